/**
 * Upstream can never exhaust a worker (issue #9 §6): with real worker threads and the loopback mock
 * server's `endless_body` fault, an answer that never ends (200 or 500, call or stream) is torn down at
 * its bound, settles with a typed error long before its deadline, gives its mailbox slot back (one slot:
 * `maxConcurrency: 1`), and the next call works. Memory is watched as the process's peak RSS.
 */
import { describe, expect, it } from "vitest";
import type { ClientSpec } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, statsOf } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

const MiB = 1024 * 1024;

async function env(extra: Partial<ClientSpec> = {}) {
  const e = await makeEnv((s) => ({
    children: [
      client(s, "gpt", {
        maxConcurrency: 1,
        // Without a bound, these deadlines are what would end the reads (after hundreds of MiB).
        timeoutMs: 20_000,
        attemptTimeoutMs: 15_000,
        retry: { maxRetries: 0 },
        cache: false,
        ...extra,
      }),
    ],
  }));
  return e;
}

/** Runs `work` while sampling the process's RSS; resolves with its outcome and the peak growth. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growthMiB: number; ms: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, growthMiB: (peak - before) / MiB, ms: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

async function drain(iterable: AsyncIterable<{ text: string }>): Promise<string> {
  let text = "";
  for await (const chunk of iterable) text += chunk.text;
  return text;
}

describe("maxResponseBytes", () => {
  it("an endless 200 body fails a call with ERR_BAD_RESPONSE at the default bound; RSS stays bounded", async () => {
    const e = await env();
    e.server.fault({ kind: "endless_body" }, { times: 1 });
    const {
      value: error,
      growthMiB,
      ms,
    } = await peakGrowth(() => failure(e.system.call("gpt", ask("endless"))));
    expect(error.code).toBe("ERR_BAD_RESPONSE");
    expect(error.message).toContain(`maxResponseBytes (${32 * MiB} bytes)`);
    // Read to 32 MiB and no further (without the bound: ~100 MiB per second until the attempt time-out).
    expect(growthMiB).toBeLessThan(200);
    expect(ms).toBeLessThan(15_000);
    // The one slot came back: the next call is answered.
    expect((await e.system.call("gpt", ask("after"))).text.length).toBeGreaterThan(0);
    expect(statsOf(e.system, "gpt").inFlight).toBe(0);
  });

  it("an endless 500 body is read to 64 KiB: the call fails with ERR_HTTP 500 at once", async () => {
    const e = await env();
    e.server.fault({ kind: "endless_body", status: 500 }, { times: 1 });
    const { value: error, growthMiB } = await peakGrowth(() =>
      failure(e.system.call("gpt", ask("endless 500"))),
    );
    expect(error.code).toBe("ERR_HTTP");
    expect(error.status).toBe(500);
    expect(growthMiB).toBeLessThan(200);
    expect((await e.system.call("gpt", ask("after"))).text.length).toBeGreaterThan(0);
  });

  it("an oversized finite body past a client's own maxResponseBytes fails; one within it is answered", async () => {
    const e = await env({ maxResponseBytes: MiB });
    e.server.fault({ kind: "endless_body", bytes: 2 * MiB }, { times: 1 });
    const error = await failure(e.system.call("gpt", ask("oversized")));
    expect(error.code).toBe("ERR_BAD_RESPONSE");
    expect(error.message).toContain(`maxResponseBytes (${MiB} bytes)`);
    expect((await e.system.call("gpt", ask("after"))).text.length).toBeGreaterThan(0);
  });

  it("a stream whose 200 body never ends (and never breaks a line) fails with ERR_BAD_RESPONSE", async () => {
    const e = await env({ maxResponseBytes: 4 * MiB });
    e.server.fault({ kind: "endless_body" }, { times: 1 });
    const { value: error, growthMiB } = await peakGrowth(() =>
      failure(drain(e.system.stream("gpt", ask("endless stream")))),
    );
    expect(error.code).toBe("ERR_BAD_RESPONSE");
    expect(error.message).toContain("maxResponseBytes");
    expect(growthMiB).toBeLessThan(200);
    // The slot came back: a stream and a call after it are answered.
    expect((await drain(e.system.stream("gpt", ask("after")))).length).toBeGreaterThan(0);
    expect((await e.system.call("gpt", ask("after call"))).text.length).toBeGreaterThan(0);
  });

  it("a stream's endless 500 body is read to 64 KiB: ERR_HTTP 500 at once", async () => {
    const e = await env();
    e.server.fault({ kind: "endless_body", status: 500 }, { times: 1 });
    const error = await failure(drain(e.system.stream("gpt", ask("endless stream 500"))));
    expect(error.code).toBe("ERR_HTTP");
    expect(error.status).toBe(500);
    expect((await drain(e.system.stream("gpt", ask("after")))).length).toBeGreaterThan(0);
  });

  it("rejects a maxResponseBytes that is not a whole number of bytes in range", async () => {
    await expect(env({ maxResponseBytes: 10 })).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      field: "children[0].maxResponseBytes",
    });
  });
});
