/**
 * Messages about a call reach the worker it was sent to while that worker drains (real threads, the
 * real mock server): a stream keeps getting credit through a graceful stop or a sibling's restart, and
 * an abort during a drain tears the upstream request down at once. Also: a healthy sibling stopped by
 * its supervisor's strategy is not a crash.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { createSystem, type System } from "../../../src/index.js";

function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
}

let server: MockServer | undefined;
let system: System | undefined;

afterEach(async () => {
  await system?.stop();
  await server?.close();
  system = undefined;
  server = undefined;
});

async function start(
  children: (base: string) => object[],
  chunkDelayMs = 0,
  strategy = "one_for_one",
): Promise<System> {
  server = await startMockServer({
    chunkDelayMs,
    answer: ({ messages }) => {
      const long = /^long (\d+)/.exec(messages.at(-1)?.text ?? "");
      return long === null ? `answer to ${messages.at(-1)?.text}` : words(Number(long[1]));
    },
  });
  const base = server.baseURL;
  system = await createSystem(
    { strategy: strategy as "one_for_one", maxRestarts: 10, children: children(base) as never },
    { warmSpare: false },
  );
  return system;
}

const client = (name: string, base: string, extra: object = {}) => ({
  name,
  provider: "openai",
  model: "m",
  baseURL: base,
  apiKey: "sk-drain-test",
  ...extra,
});

describe("a stream keeps its worker while that worker drains", () => {
  it("stop() after the first chunk while the caller reads: the full text, not 8 chunks then ERR_SYSTEM_STOPPED", async () => {
    const sys = await start(
      (base) => [client("s", base, { shutdownTimeoutMs: 3_000, stream: { highWaterMark: 8 } })],
      5,
    );
    const started = Date.now();
    let text = "";
    let stopping: Promise<void> | undefined;
    for await (const chunk of sys.stream("s", [{ role: "user", content: "long 60" }])) {
      text += chunk.text;
      stopping ??= sys.stop();
    }
    expect(text).toBe(words(60));
    await stopping;
    // Well inside the grace period: the stream finished at the server's pace, it was not cut.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("an abort during the drain tears the upstream request down at once", async () => {
    const sys = await start((base) => [client("s", base, { shutdownTimeoutMs: 10_000 })]);
    const srv = server as MockServer;
    srv.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const ac = new AbortController();
    const stream = sys.stream("s", [{ role: "user", content: "stall then abort" }], { signal: ac.signal });
    expect((await stream.next()).done).toBe(false);
    const stopping = sys.stop();
    const started = Date.now();
    ac.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: "ERR_ABORTED" });
    await srv.waitFor((s) => s.closedEarly === 1);
    await stopping;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a healthy sibling stopped by one_for_all finishes its stream: credit reaches it while it drains", async () => {
    const sys = await start(
      (base) => [
        client("dies", base),
        client("reader", base, { shutdownTimeoutMs: 3_000, stream: { highWaterMark: 8 } }),
      ],
      5,
      "one_for_all",
    );
    let text = "";
    let killed: Promise<void> | undefined;
    for await (const chunk of (sys as System).stream("reader", [{ role: "user", content: "long 60" }])) {
      text += chunk.text;
      killed ??= sys.kill("dies");
    }
    await killed;
    expect(text).toBe(words(60));
  });
});

describe("a sibling stopped by its supervisor's strategy is not a crash", () => {
  it("calls it had to cut are delivered again without spending the crash budget, never as 'worker died'", async () => {
    const sys = await start(
      (base) => [
        client("dies", base),
        // No crash budget at all, and a grace too short for the stalled call: it must be cut.
        client("sibling", base, { maxRedeliveries: 0, shutdownTimeoutMs: 50 }),
      ],
      0,
      "one_for_all",
    );
    const srv = server as MockServer;
    srv.fault({ kind: "stall" }, { times: 1 });
    const pending = sys.call("sibling", [{ role: "user", content: "cut by a restart" }]);
    await srv.waitFor((s) => s.inFlight === 1);
    await sys.kill("dies");
    const reply = await pending;
    expect(reply.text).toBe("answer to cut by a restart");
    expect(reply.deliveries).toBe(2);
  });

  it('redeliver: "never" rejects a call cut by a crash with ERR_WORKER_CRASHED, saying it may have reached upstream', async () => {
    const sys = await start((base) => [client("once", base, { redeliver: "never" }), client("twice", base)]);
    const srv = server as MockServer;
    srv.fault({ kind: "stall" }, { times: 2 });
    const once = sys.call("once", [{ role: "user", content: "at most once" }]).catch((e: unknown) => e);
    const perCall = sys
      .call("twice", [{ role: "user", content: "never per call" }], { redeliver: "never" })
      .catch((e: unknown) => e);
    await srv.waitFor((s) => s.inFlight === 2);
    await Promise.all([sys.kill("once"), sys.kill("twice")]);
    for (const result of [await once, await perCall]) {
      expect(result).toMatchObject({
        code: "ERR_WORKER_CRASHED",
        deliveries: 1,
        mayHaveReachedUpstream: true,
      });
      expect((result as Error).message).toMatch(/may have reached upstream/);
    }
    // Each was sent upstream once and never again.
    expect(srv.requests.filter((r) => JSON.stringify(r.body).includes("at most once"))).toHaveLength(1);
  });

  it("a crash redelivers an unanswered call by default, and the reply counts the deliveries", async () => {
    const sys = await start((base) => [client("c", base)]);
    const srv = server as MockServer;
    srv.fault({ kind: "stall" }, { times: 1 });
    const pending = sys.call("c", [{ role: "user", content: "redelivered" }]);
    await srv.waitFor((s) => s.inFlight === 1);
    await sys.kill("c");
    const reply = await pending;
    expect(reply.deliveries).toBe(2);
  });
});
