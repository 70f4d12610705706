/**
 * The real worker thread (dist/workers/entry.js) and the fault fixture that wraps it
 * (test/fixtures/faulty-worker.mjs), spoken to through the protocol the way the main side does.
 */
import { once } from "node:events";
import { MessageChannel, Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { unbatch } from "../../../src/Outbox.js";
import type { FromWorker, ToWorker, WorkerInit } from "../../../src/protocol.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { ClientSpec } from "../../../src/types.js";

const KEY = "sk-test-THREAD-9d2f61";
const ENTRY = new URL("../../../dist/workers/entry.js", import.meta.url);
const FAULTY = new URL("../../fixtures/faulty-worker.mjs", import.meta.url);

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer({ apiKey: KEY });
});
afterAll(() => server.close());

function init(spec: Partial<ClientSpec> = {}): WorkerInit {
  const client = resolveSystemSpec({
    children: [
      {
        name: "gpt",
        provider: "openai",
        model: "gpt-4o-mini",
        apiKey: KEY,
        baseURL: server.baseURL,
        ...spec,
      } as ClientSpec,
    ],
  }).children[0] as ResolvedClientSpec;
  return { client, incarnation: 0 };
}

/** A worker plus everything it posted. */
function spawn(entry: URL, workerData: unknown) {
  return watch(new Worker(entry, { workerData }));
}

/** Everything `worker` posts, with a way to wait for one message. */
function watch(worker: Worker) {
  const posted: FromWorker[] = [];
  const waiters = new Set<{ predicate: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }>();
  // The worker batches what it posts in one turn (src/Outbox.ts): look at each message inside.
  worker.on("message", (raw: FromWorker) =>
    unbatch(raw, (m) => {
      posted.push(m);
      for (const waiter of waiters) {
        if (!waiter.predicate(m)) continue;
        waiters.delete(waiter);
        waiter.resolve(m);
      }
    }),
  );
  const next = (predicate: (m: FromWorker) => boolean) =>
    new Promise<FromWorker>((resolve) => {
      const found = posted.find(predicate);
      if (found !== undefined) return resolve(found);
      waiters.add({ predicate, resolve });
    });
  // Not events.once: it would also reject on "error", which these tests await on their own.
  const exited = new Promise<[number]>((resolve) => worker.once("exit", (code: number) => resolve([code])));
  return { worker, posted, next, exited, send: (m: ToWorker) => worker.postMessage(m) };
}

const call = (id: number, text: string): ToWorker => ({
  type: "call",
  id,
  request: {
    messages: [{ role: "user", content: text }],
    params: {},
    deadline: Date.now() + 10_000,
    attemptTimeoutMs: 5_000,
    maxRetries: 0,
    cache: "use",
  },
});

describe("dist/workers/entry.js", () => {
  it("posts ready with its threadId, serves calls and cache hits, stops on request", async () => {
    const w = spawn(ENTRY, init());
    expect(await w.next((m) => m.type === "ready")).toEqual({ type: "ready", threadId: w.worker.threadId });
    w.send(call(1, "hello"));
    expect(await w.next((m) => m.type === "reply" && m.id === 1)).toMatchObject({
      reply: { cached: false },
      meta: { attempts: 1 },
    });
    w.send(call(2, "hello"));
    expect(await w.next((m) => m.type === "reply" && m.id === 2)).toMatchObject({
      reply: { cached: true },
      meta: { attempts: 0 },
    });
    w.send({ type: "stop", graceMs: 1_000 });
    expect(await w.next((m) => m.type === "stopped")).toEqual({ type: "stopped", abandoned: 0 });
    await w.worker.terminate();
    expect(JSON.stringify(w.posted)).not.toContain(KEY);
  });

  it("restores an open breaker from init.breakerState before it is ready", async () => {
    const first = spawn(ENTRY, init({ breaker: { failures: 1 } }));
    await first.next((m) => m.type === "ready");
    server.fault({ kind: "status", status: 503 }, { times: 1 });
    first.send(call(1, "x"));
    const event = (await first.next((m) => m.type === "event" && m.event.kind === "breaker")) as Extract<
      FromWorker,
      { type: "event" }
    >;
    await first.worker.terminate();
    if (event.event.kind !== "breaker") throw new Error("unreachable");
    const second = spawn(ENTRY, {
      ...init({ breaker: { failures: 1 } }),
      breakerState: event.event.snapshot,
      incarnation: 1,
    });
    await second.next((m) => m.type === "ready");
    second.send(call(1, "y"));
    expect(await second.next((m) => m.type === "error")).toMatchObject({
      error: { code: "ERR_CIRCUIT_OPEN" },
    });
    await second.worker.terminate();
  });

  it("dies before ready when it cannot start (a cache store that does not exist)", async () => {
    const w = spawn(ENTRY, init({ cache: { store: { module: "dspex-no-such-store-module" } } }));
    const [error] = (await once(w.worker, "error")) as [Error];
    expect(error.message).toContain("cache.store.module");
    await w.exited;
    expect(w.posted.some((m) => m.type === "ready")).toBe(false);
  });
});

describe("lazy client parts (test/fixtures/load-probe-worker.mjs)", () => {
  const PROBE = new URL("../../fixtures/load-probe-worker.mjs", import.meta.url);

  /** A real worker with a probe port: `loaded()` says whether it has loaded its HTTP parts yet. */
  function probed() {
    const channel = new MessageChannel();
    const data = { ...init(), __probe: channel.port2 };
    const worker = new Worker(PROBE, { workerData: data, transferList: [channel.port2] });
    const w = watch(worker);
    const loaded = async (): Promise<boolean> => {
      channel.port1.postMessage("?");
      const [answer] = (await once(channel.port1, "message")) as [{ net: boolean }];
      return answer.net;
    };
    return { ...w, loaded, close: () => channel.port1.close() };
  }

  it("is ready before it loads its HTTP parts, and loads them for its first call", async () => {
    const w = probed();
    await w.next((m) => m.type === "ready");
    expect(await w.loaded()).toBe(false);
    w.send(call(1, "lazy"));
    w.send(call(2, "lazy, second"));
    // Calls that arrive while the parts load wait for them, and are all answered.
    expect(await w.next((m) => m.type === "reply" && m.id === 1)).toMatchObject({ reply: { cached: false } });
    expect(await w.next((m) => m.type === "reply" && m.id === 2)).toMatchObject({ reply: { cached: false } });
    expect(await w.loaded()).toBe(true);
    w.close();
    await w.worker.terminate();
  });

  it("a client never called is stopped without loading them", async () => {
    const w = probed();
    await w.next((m) => m.type === "ready");
    w.send({ type: "stop", graceMs: 1_000 });
    expect(await w.next((m) => m.type === "stopped")).toEqual({ type: "stopped", abandoned: 0 });
    expect(await w.loaded()).toBe(false);
    w.close();
    await w.worker.terminate();
  });
});

describe("test/fixtures/faulty-worker.mjs", () => {
  it("fails at start on workerData.__fault = 'start'", async () => {
    const w = spawn(FAULTY, { ...init(), __fault: "start" });
    const [error] = (await once(w.worker, "error")) as [Error];
    expect(error.message).toContain("fault injected");
    expect(w.posted).toEqual([]);
  });

  it("is the real worker until told to throw (uncaught error) or exit (code 3)", async () => {
    const a = spawn(FAULTY, init());
    await a.next((m) => m.type === "ready");
    a.send(call(1, "works"));
    expect(await a.next((m) => m.type === "reply")).toMatchObject({ id: 1 });
    a.worker.postMessage({ type: "__fault", kind: "throw" });
    const [error] = (await once(a.worker, "error")) as [Error];
    expect(error.message).toContain("uncaught error");
    await a.exited;

    const b = spawn(FAULTY, init());
    await b.next((m) => m.type === "ready");
    b.worker.postMessage({ type: "__fault", kind: "exit" });
    expect((await b.exited)[0]).toBe(3);
  });
});
