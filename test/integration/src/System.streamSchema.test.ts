/**
 * The `schema` option of `stream` (issue #11) through real worker threads and the mock server: the
 * schema's JSON Schema goes out as the response format, the streamed text is validated on the main
 * thread when it ends, the last chunk carries `parsed`; a text that does not validate ends the stream
 * with `ERR_BAD_OUTPUT` after the chunks; leaving early still cancels upstream.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { MockServerOptions } from "../../../mock/index.js";
import { BadOutputError } from "../../../src/errors.js";
import type { StreamChunk } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure } from "../pipelineEnv.js";
import { collect, collectError, joined } from "../streamReading.js";
import { Weather } from "../weatherSchema.js";

const makeEnv = closedAfterEach();

async function env(serverOptions: MockServerOptions = {}) {
  return makeEnv(
    (s) => ({
      children: [
        client(s, "gpt"),
        client(s, "claude", { provider: "anthropic" }),
        { type: "router", name: "chat", strategy: "fallback", members: ["claude"] },
      ],
    }),
    serverOptions,
  );
}

describe("stream with schema", () => {
  it.each(["gpt", "claude", "chat"])(
    "via %s: sends the JSON Schema; the last chunk carries the validated value",
    async (name) => {
      const { system, server } = await env();
      const stream = system.stream(name, ask(`weather in Oslo via ${name}`), { schema: Weather });
      const chunks = await collect(stream);
      expect(chunks.length).toBeGreaterThan(1);
      const expected = { city: "mock", temperature: -90, units: "c", tags: ["mock"] };
      expect(JSON.parse(joined(chunks))).toEqual(expected);
      const last = chunks.at(-1) as StreamChunk;
      expect(last.parsed).toEqual(expected);
      expect(last.finishReason).toBe("stop");
      expect(last.client).toBe(name === "chat" ? "claude" : name);
      expect(chunks.slice(0, -1).every((c) => c.parsed === undefined)).toBe(true);
      expect(stream.parsed).toEqual(expected);
      expect(stream.state).toBe("ended");
      const body = server.requests.at(-1)?.body as { response_format?: unknown; output_config?: unknown };
      const format =
        name === "gpt" ? body.response_format : (body.output_config as { format?: unknown })?.format;
      expect(JSON.stringify(format)).toContain('"required":["city","temperature","units"]');
    },
  );

  it("a cached answer is replayed as one chunk that carries parsed too; nothing is sent", async () => {
    const { system, server } = await env();
    const first = await collect(system.stream("gpt", ask("cache my json"), { schema: Weather }));
    const again = await collect(system.stream("gpt", ask("cache my json"), { schema: Weather }));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ cached: true, parsed: first.at(-1)?.parsed });
    expect(server.stats.requests).toBe(1);
  });

  it("a text that does not validate: every chunk, then ERR_BAD_OUTPUT with the issues and the raw text", async () => {
    const raw = '{"city":"P","temperature":"hot","units":"k"}';
    const { system } = await env({ answer: () => raw });
    const { chunks, error } = await collectError(system.stream("gpt", ask("weather"), { schema: Weather }));
    expect(joined(chunks)).toBe(raw);
    expect(chunks.at(-1)?.finishReason).toBe("stop");
    expect(chunks.at(-1)?.parsed).toBeUndefined();
    expect(error).toBeInstanceOf(BadOutputError);
    const bad = error as BadOutputError;
    expect(bad.code).toBe("ERR_BAD_OUTPUT");
    expect(bad.text).toBe(raw);
    expect(bad.issues.map((i) => i.path)).toEqual([["city"], ["temperature"], ["units"]]);
  });

  it("a text that is not JSON ends with ERR_BAD_OUTPUT", async () => {
    const { system } = await env({ answer: () => "Sunny, 21 degrees." });
    const { error } = await collectError(system.stream("claude", ask("weather"), { schema: Weather }));
    expect(error).toMatchObject({ code: "ERR_BAD_OUTPUT", text: "Sunny, 21 degrees." });
    expect((error as BadOutputError).issues[0]?.message).toMatch(/not JSON/);
  });

  it("bad schema options fail on the first pull with ERR_INVALID_ARGUMENT, and nothing is sent", async () => {
    const { system, server } = await env();
    const cases: [unknown, string][] = [
      [{ schema: { type: "object" } }, "options.schema"],
      [{ schema: Weather, responseFormat: { type: "json_object" } }, "options.responseFormat"],
      [{ jsonSchema: { type: "object" } }, "options.jsonSchema"],
      [{ schema: v.object({ a: v.string() }) }, "options.schema"],
      [{ schema: Weather, idleTimeoutMs: -1 }, "options.idleTimeoutMs"],
    ];
    for (const [options, field] of cases) {
      const error = await failure(collect(system.stream("gpt", ask("x"), options as never)));
      expect(error, field).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field });
    }
    expect(await failure(collect(system.stream("nope", ask("x"), { schema: Weather })))).toMatchObject({
      code: "ERR_UNKNOWN_CLIENT",
    });
    expect(server.stats.requests).toBe(0);
  });

  it("backpressure carries through: a slow consumer never holds more than highWaterMark chunks", async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
    const e = await makeEnv(
      (srv) => ({ children: [client(srv, "small", { stream: { highWaterMark: 4 } })] }),
      { answer: () => JSON.stringify({ words }, null, 1) },
    );
    const stream = e.system.stream("small", ask("many words"), {
      schema: z.object({ words: z.array(z.string()) }),
    });
    let count = 0;
    for await (const chunk of stream) {
      count++;
      expect(stream.buffered).toBeLessThanOrEqual(4);
      if (count % 20 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (chunk.parsed !== undefined) expect(chunk.parsed).toEqual({ words });
    }
    expect(count).toBeGreaterThan(8);
    expect(stream.maxBuffered).toBeLessThanOrEqual(4);
    expect(stream.parsed).toEqual({ words });
  });

  it("leaving early cancels upstream: the server sees the close", async () => {
    const { system, server } = await env();
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const closed = server.stats.closedEarly;
    for await (const chunk of system.stream("gpt", ask("leave me"), { schema: Weather })) {
      expect(chunk.text).not.toBe("");
      break;
    }
    await server.waitFor((s) => s.closedEarly === closed + 1 && s.inFlight === 0);
  });

  it("aborting the signal rejects the waiting pull with ERR_ABORTED and cancels upstream", async () => {
    const { system, server } = await env();
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const controller = new AbortController();
    const iterator = system
      .stream("gpt", ask("abort me"), { schema: Weather, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const waiting = iterator.next();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED" });
    await server.waitFor((s) => s.closedEarly === closed + 1 && s.inFlight === 0);
  });
});
