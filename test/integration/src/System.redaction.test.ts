/**
 * No key leaks (issue #9 §6), fuzzed through real worker threads and the loopback mock server: upstream
 * echoes the API key in its error message at every offset around the message clip (where a key
 * used to be cut in two and half of it survive), in its error code and in its request-id header. Neither
 * the key nor a run of its first MIN_SECRET_PREFIX characters may appear in any error, its JSON, any
 * event, or `inspect()`.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE, MIN_SECRET_PREFIX } from "../../../src/redact.js";
import { ask, client, closedAfterEach, failure, recordAll } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

/** "upstream answered 400: " comes before the vendor's message. */
const LEAD = "upstream answered 400: ".length;

describe("an API key echoed by upstream", () => {
  it("never appears, whole or as an identifying prefix, at any offset around the clip", async () => {
    const key = `sk-${randomBytes(24).toString("hex")}`;
    const probe = key.slice(0, MIN_SECRET_PREFIX);
    const e = await makeEnv((s) => ({
      children: [client(s, "gpt", { apiKey: key, retry: { maxRetries: 0 }, cache: false })],
    }));
    const events = recordAll(e.system);
    const seen: string[] = [];
    // The key starts before, across and after the clip, one character at a time.
    const first = MAX_MESSAGE - LEAD - key.length - 4;
    const last = MAX_MESSAGE - LEAD + 4;
    for (let offset = first; offset <= last; offset++) {
      const codeCut = MIN_SECRET_PREFIX + (offset % (key.length - MIN_SECRET_PREFIX + 1));
      e.server.fault(
        {
          kind: "status",
          status: 400,
          body: {
            error: {
              message: `${"m".repeat(offset)}${key} and more text after it`,
              type: "invalid_request_error",
              code: `bad_key_${key.slice(0, codeCut)}`,
            },
          },
          headers: { "x-request-id": `req_${key}` },
        },
        { times: 1 },
      );
      // Calls and streams take the same path out: alternate them.
      const error =
        offset % 2 === 0
          ? await failure(e.system.call("gpt", ask(`fuzz ${offset}`)))
          : await failure(
              (async () => {
                for await (const _ of e.system.stream("gpt", ask(`fuzz ${offset}`))) {
                  // no chunk is expected
                }
              })(),
            );
      expect(error.code).toBe("ERR_HTTP");
      expect(error.status).toBe(400);
      // Our own fields survive, with the key masked in theirs.
      expect(error.upstreamCode).toBe("bad_key_[redacted]");
      expect(error.requestId).toBe("req_[redacted]");
      seen.push(String(error.message), JSON.stringify(error), String(error.stack));
      for (const value of Object.values(error))
        seen.push(typeof value === "string" ? value : String(JSON.stringify(value)));
    }
    seen.push(JSON.stringify(events), JSON.stringify(e.system.inspect()));
    const leaked = seen.filter((text) => text.includes(probe));
    expect(leaked).toEqual([]);
    // The fuzz did reach the clip: some messages were cut.
    expect(seen.some((text) => text.endsWith("…"))).toBe(true);
  });
});
