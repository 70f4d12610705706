import { describe, expect, it, vi } from "vitest";
import { ClientProxy } from "../../../src/ClientProxy.js";
import { openStream } from "../../../src/PendingStream.js";
import type { ToWorker } from "../../../src/protocol.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { Reply } from "../../../src/types.js";
import { splitOptions } from "../../../src/validate.js";

const SECRET = "sk-proxy-test-SECRET-9876";

function spec(extra: object = {}): ResolvedClientSpec {
  const tree = resolveSystemSpec({
    children: [{ name: "c", provider: "openai", model: "m", apiKey: SECRET, ...extra }],
  });
  return tree.children[0] as ResolvedClientSpec;
}

const MSGS = [{ role: "user" as const, content: "hi" }];
const reply: Reply = {
  text: "ok",
  cached: false,
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
  finishReason: "stop",
  model: "m",
};

function link() {
  const sent: ToWorker[] = [];
  return { sent, post: (m: ToWorker) => void sent.push(m) };
}

function callId(m: ToWorker | undefined): number {
  if (m === undefined || m.type !== "call") throw new Error(`expected a call, got ${JSON.stringify(m)}`);
  return m.id;
}

describe("ClientProxy", () => {
  it("holds calls until a worker attaches, then sends them in order and matches replies by id", async () => {
    const proxy = new ClientProxy(spec());
    const a = proxy.call(MSGS, splitOptions({}));
    const b = proxy.call(MSGS, splitOptions({ temperature: 0 }));
    expect(proxy.stats.queued).toBe(2);
    const l = link();
    proxy.attach(l);
    expect(l.sent.map(callId)).toEqual([1, 2]);
    proxy.receive({ type: "reply", id: 2, reply: { ...reply, text: "second" }, meta: { attempts: 1 } });
    proxy.receive({
      type: "reply",
      id: 1,
      reply: { ...reply, text: "first", cached: true },
      meta: { attempts: 0 },
    });
    expect((await a).text).toBe("first");
    expect((await b).text).toBe("second");
    expect(proxy.stats).toMatchObject({ ok: 2, cacheHits: 1, cacheMisses: 1, inFlight: 0, queued: 0 });
  });

  it("redelivers unanswered calls after a crash, up to maxRedeliveries, then ERR_WORKER_CRASHED", async () => {
    const proxy = new ClientProxy(spec({ maxRedeliveries: 1 }));
    const first = link();
    proxy.attach(first);
    const pending = proxy.call(MSGS, splitOptions({}));
    proxy.detach(first, "crash"); // crash 1: delivered once, one redelivery left
    const second = link();
    proxy.attach(second);
    expect(second.sent.map(callId)).toEqual([1]);
    proxy.detach(second, "crash"); // crash 2: budget used up
    await expect(pending).rejects.toMatchObject({ code: "ERR_WORKER_CRASHED", client: "c" });
    expect(proxy.stats.redelivered).toBe(1);
    expect(proxy.size).toBe(0);
  });

  it("rejects at once with ERR_QUEUE_FULL beyond maxConcurrency + maxQueue, touching no worker", async () => {
    const proxy = new ClientProxy(spec({ maxConcurrency: 1, maxQueue: 1 }));
    const l = link();
    proxy.attach(l);
    const a = proxy.call(MSGS, splitOptions({}));
    const b = proxy.call(MSGS, splitOptions({}));
    await expect(proxy.call(MSGS, splitOptions({}))).rejects.toMatchObject({ code: "ERR_QUEUE_FULL" });
    expect(l.sent).toHaveLength(2);
    proxy.retire("ERR_SYSTEM_STOPPED");
    await expect(a).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
    await expect(b).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
  });

  it("settles on its own deadline and tells the worker to cancel", async () => {
    const proxy = new ClientProxy(spec());
    const l = link();
    proxy.attach(l);
    await expect(proxy.call(MSGS, splitOptions({ timeoutMs: 5 }))).rejects.toMatchObject({
      code: "ERR_TIMEOUT",
    });
    expect(l.sent[1]).toEqual({ type: "cancel", id: 1, reason: "timeout" });
    // A late answer for a settled call is ignored.
    proxy.receive({ type: "reply", id: 1, reply, meta: { attempts: 1 } });
    expect(proxy.stats.ok).toBe(0);
  });

  it("rejects with ERR_ABORTED at once when the signal aborts, and never sends an aborted call", async () => {
    const proxy = new ClientProxy(spec());
    const l = link();
    proxy.attach(l);
    const ac = new AbortController();
    const pending = proxy.call(MSGS, splitOptions({ signal: ac.signal }));
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(l.sent.at(-1)).toEqual({ type: "cancel", id: 1, reason: "aborted" });
    await expect(proxy.call(MSGS, splitOptions({ signal: AbortSignal.abort() }))).rejects.toMatchObject({
      code: "ERR_ABORTED",
    });
    expect(l.sent).toHaveLength(2);
  });

  it("a call aborted while held never reaches a worker", async () => {
    const proxy = new ClientProxy(spec());
    const ac = new AbortController();
    const pending = proxy.call(MSGS, splitOptions({ signal: ac.signal }));
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: "ERR_ABORTED" });
    const l = link();
    proxy.attach(l);
    expect(l.sent).toEqual([]);
    expect(proxy.stats.queued).toBe(0);
  });

  it("rebuilds worker errors into classes with codes, scrubbing the API key", async () => {
    const proxy = new ClientProxy(spec());
    const l = link();
    proxy.attach(l);
    const pending = proxy.call(MSGS, splitOptions({}));
    proxy.receive({
      type: "error",
      id: 1,
      error: { code: "ERR_RATE_LIMITED", message: `bad key ${SECRET}`, status: 429, retryAfterMs: 1200 },
      meta: { attempts: 3, upstreamErrors: ["ERR_RATE_LIMITED", "ERR_RATE_LIMITED", "ERR_RATE_LIMITED"] },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ERR_RATE_LIMITED",
      status: 429,
      retryAfterMs: 1200,
      name: "RateLimitedError",
    });
    expect(String((error as Error).message)).not.toContain(SECRET);
    expect(proxy.stats.upstreamErrors).toEqual({ ERR_RATE_LIMITED: 3 });
    expect(proxy.stats.errors).toEqual({ ERR_RATE_LIMITED: 1 });
  });

  it("after retire, every later call rejects with the retirement code; revive accepts again", async () => {
    const proxy = new ClientProxy(spec());
    proxy.retire("ERR_CLIENT_UNAVAILABLE");
    await expect(proxy.call(MSGS, splitOptions({}))).rejects.toMatchObject({
      code: "ERR_CLIENT_UNAVAILABLE",
    });
    proxy.revive();
    const l = link();
    proxy.attach(l);
    void proxy.call(MSGS, splitOptions({})).catch(() => {});
    expect(l.sent).toHaveLength(1);
    proxy.retire("ERR_SYSTEM_STOPPED");
  });

  it("credit and cancels go to the worker a call was sent to, even after the proxy moved on", async () => {
    const proxy = new ClientProxy(spec());
    const old = link();
    proxy.attach(old);
    const ac = new AbortController();
    const pending = proxy.call(MSGS, splitOptions({ signal: ac.signal }));
    proxy.holdCalls(); // the old worker drains
    const fresh = link();
    proxy.attach(fresh);
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(old.sent.at(-1)).toEqual({ type: "cancel", id: 1, reason: "aborted" });
    expect(fresh.sent).toEqual([]);
  });

  it("only the exit of the worker a call was sent on cuts it", async () => {
    const proxy = new ClientProxy(spec({ maxRedeliveries: 0 }));
    const old = link();
    proxy.attach(old);
    const first = proxy.call(MSGS, splitOptions({}));
    proxy.holdCalls();
    const fresh = link();
    proxy.attach(fresh);
    const second = proxy.call(MSGS, splitOptions({}));
    proxy.detach(old, "crash");
    await expect(first).rejects.toMatchObject({ code: "ERR_WORKER_CRASHED", deliveries: 1 });
    expect(proxy.stats).toMatchObject({ inFlight: 1, queued: 0 });
    proxy.receive({ type: "reply", id: 2, reply, meta: { attempts: 1 } });
    expect(await second).toMatchObject({ deliveries: 1 });
  });

  it("a stop for a restart holds cut calls without spending the crash budget", async () => {
    const proxy = new ClientProxy(spec({ maxRedeliveries: 0 }));
    const first = link();
    proxy.attach(first);
    const pending = proxy.call(MSGS, splitOptions({}));
    proxy.holdCalls();
    proxy.detach(first, "restart");
    const second = link();
    proxy.attach(second);
    expect(second.sent.map(callId)).toEqual([1]);
    proxy.receive({ type: "reply", id: 1, reply, meta: { attempts: 1 } });
    expect(await pending).toMatchObject({ deliveries: 2 });
  });

  it('redeliver "never" fails a call cut by a crash, saying it may have reached upstream', async () => {
    const proxy = new ClientProxy(spec({ redeliver: "never" }));
    const l = link();
    proxy.attach(l);
    const pending = proxy.call(MSGS, splitOptions({}));
    proxy.detach(l, "crash");
    await expect(pending).rejects.toMatchObject({
      code: "ERR_WORKER_CRASHED",
      deliveries: 1,
      mayHaveReachedUpstream: true,
    });
    expect(proxy.stats.redelivered).toBe(0);
  });

  it("a message that cannot cross fails its own call only", async () => {
    const proxy = new ClientProxy(spec());
    const l = link();
    proxy.attach(l);
    const bad = proxy.call(MSGS, splitOptions({}));
    const good = proxy.call(MSGS, splitOptions({}));
    proxy.undeliverable(l.sent[0] as ToWorker, new Error("could not be cloned"));
    await expect(bad).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    proxy.receive({ type: "reply", id: 2, reply, meta: { attempts: 1 } });
    await expect(good).resolves.toMatchObject({ text: "ok" });
    expect(proxy.stats).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe("a stream whose request never reached a worker", () => {
  it("settles by its deadline like a call (fake time)", async () => {
    vi.useFakeTimers();
    try {
      const proxy = new ClientProxy(spec());
      const stream = openStream(proxy, MSGS, splitOptions({ timeoutMs: 1_000 }, true));
      const pull = stream.next().catch((e: unknown) => e);
      expect(proxy.stats.queued).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await pull).toMatchObject({ code: "ERR_TIMEOUT" });
      expect(proxy.stats).toMatchObject({ queued: 0, inFlight: 0, errors: { ERR_TIMEOUT: 1 } });
    } finally {
      vi.useRealTimers();
    }
  });
});
