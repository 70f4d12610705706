/**
 * The client actor in process against the mock server: its breaker, its mailbox, cancellation and a
 * graceful stop.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import type { FromWorker } from "../../../src/protocol.js";
import { everything, KEY, startActor, stopAll } from "./actorHarness.js";

let server: MockServer;

beforeAll(async () => {
  server = await startMockServer({ apiKey: KEY });
});
afterAll(async () => {
  await server.close();
  const text = JSON.stringify(everything);
  expect(everything.length).toBeGreaterThan(30);
  expect(text).not.toContain(KEY);
});
beforeEach(() => {
  server.clearFaults();
  server.setLatency(0);
  server.resetStats();
});
afterEach(stopAll);

const breakerEvents = (posted: FromWorker[]) =>
  posted.flatMap((m) => (m.type === "event" && m.event.kind === "breaker" ? [m.event] : []));

describe("the breaker", () => {
  const breaker = { failures: 3, halfOpenAfterMs: 60_000 };

  it("opens after N upstream failures; then calls fail fast and nothing reaches the server", async () => {
    const h = await startActor(server.baseURL, { breaker, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 503 });
    for (let id = 1; id <= 3; id++)
      expect(await h.call(id, `q${id}`)).toMatchObject({ error: { code: "ERR_HTTP" } });
    expect(breakerEvents(h.posted)).toMatchObject([{ state: "open", previous: "closed" }]);
    server.clearFaults();
    expect(await h.call(4, "q4")).toMatchObject({
      type: "error",
      error: { code: "ERR_CIRCUIT_OPEN" },
      meta: { attempts: 0 },
    });
    expect(server.stats.requests).toBe(3);
  });

  it("counts each attempt, so retries stop as soon as it opens", async () => {
    const h = await startActor(server.baseURL, {
      breaker: { failures: 2 },
      retry: { maxRetries: 5, initialDelayMs: 1 },
    });
    server.fault({ kind: "status", status: 500 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status: 500 },
      meta: { attempts: 2 },
    });
    expect(server.stats.requests).toBe(2);
  });

  it("does not count 4xx", async () => {
    const h = await startActor(server.baseURL, { breaker, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 400 }, { times: 3 });
    server.fault({ kind: "status", status: 404 }, { times: 3 });
    for (let id = 1; id <= 6; id++)
      expect(await h.call(id, `q${id}`)).toMatchObject({ error: { code: "ERR_HTTP" } });
    expect(await h.call(7, "q7")).toMatchObject({ type: "reply" });
    expect(breakerEvents(h.posted)).toEqual([]);
    expect(server.stats.requests).toBe(7);
  });

  it("restored from an open snapshot it stays open: no request reaches the server", async () => {
    const first = await startActor(server.baseURL, { breaker, retry: { maxRetries: 0 } });
    server.fault({ kind: "drop" });
    for (let id = 1; id <= 3; id++) await first.call(id, `q${id}`);
    const snapshot = breakerEvents(first.posted).at(-1)?.snapshot;
    await first.stop();
    server.clearFaults();
    server.resetStats();
    const second = await startActor(server.baseURL, { breaker }, { breakerState: snapshot });
    expect(await second.call(1, "q")).toMatchObject({ type: "error", error: { code: "ERR_CIRCUIT_OPEN" } });
    expect(server.stats.requests).toBe(0);
  });

  it("half-open: once the wait is over one probe goes through and a success closes it", async () => {
    const first = await startActor(server.baseURL, { breaker, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 529 });
    for (let id = 1; id <= 3; id++) await first.call(id, `q${id}`);
    const snapshot = structuredClone(breakerEvents(first.posted).at(-1)?.snapshot) as {
      ownState: { openedAt: number };
    };
    server.clearFaults();
    server.resetStats();
    // As if the breaker had opened long ago: the probe is due.
    snapshot.ownState.openedAt = Date.now() - 120_000;
    const h = await startActor(server.baseURL, { breaker }, { breakerState: snapshot });
    expect(await h.call(1, "probe")).toMatchObject({ type: "reply", meta: { attempts: 1 } });
    expect(breakerEvents(h.posted).map((e) => `${e.previous}->${e.state}`)).toEqual([
      "open->half_open",
      "half_open->closed",
    ]);
    expect(await h.call(2, "after")).toMatchObject({ type: "reply" });
    expect(server.stats.requests).toBe(2);
  });

  it("half-open: a failed probe reopens it", async () => {
    const first = await startActor(server.baseURL, { breaker: { failures: 1 }, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 503 });
    await first.call(1, "q");
    const snapshot = structuredClone(breakerEvents(first.posted).at(-1)?.snapshot) as {
      ownState: { openedAt: number };
    };
    snapshot.ownState.openedAt = 0;
    server.resetStats();
    const h = await startActor(server.baseURL, { breaker: { failures: 1 } }, { breakerState: snapshot });
    expect(await h.call(1, "probe")).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status: 503 },
      meta: { attempts: 1 },
    });
    expect(await h.call(2, "next")).toMatchObject({ type: "error", error: { code: "ERR_CIRCUIT_OPEN" } });
    expect(server.stats.requests).toBe(1);
  });
});

describe("the mailbox", () => {
  it("holds maxConcurrency calls upstream, queues maxQueue, and refuses the next at once", async () => {
    const h = await startActor(server.baseURL, { maxConcurrency: 2, maxQueue: 1 });
    server.setLatency(200);
    for (let id = 1; id <= 3; id++) h.send(id, `q${id}`);
    await server.waitFor((s) => s.inFlight === 2);
    expect(h.actor.mailbox.queued).toBe(1);
    expect(await h.call(4, "q4")).toMatchObject({
      type: "error",
      error: { code: "ERR_QUEUE_FULL" },
      meta: { attempts: 0 },
    });
    const answers = await Promise.all([1, 2, 3].map((id) => h.answer(id)));
    expect(answers.map((a) => a.type)).toEqual(["reply", "reply", "reply"]);
    expect(server.stats.maxInFlight).toBe(2);
  });

  it("serves queued calls in arrival order", async () => {
    const h = await startActor(server.baseURL, { maxConcurrency: 1 });
    server.setLatency(20);
    const ids = [1, 2, 3, 4, 5];
    for (const id of ids) h.send(id, `order ${id}`);
    await Promise.all(ids.map((id) => h.answer(id)));
    const order = server.requests.map(
      (r) => (r.body as { messages: { content: string }[] }).messages[0]?.content,
    );
    expect(order).toEqual(ids.map((id) => `order ${id}`));
  });

  it("runs calls concurrently, never one at a time", async () => {
    const h = await startActor(server.baseURL, { maxConcurrency: 8 });
    server.setLatency(100);
    for (let id = 1; id <= 8; id++) h.send(id, `c${id}`);
    await server.waitFor((s) => s.inFlight === 8);
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((id) => h.answer(id)));
  });
});

describe("cancel", () => {
  it("a queued call that is cancelled never reaches the network and is never answered", async () => {
    const h = await startActor(server.baseURL, { maxConcurrency: 1 });
    server.fault({ kind: "stall" }, { times: 1 });
    h.send(1, "stalls");
    h.send(2, "queued");
    await server.waitFor((s) => s.inFlight === 1);
    expect(h.actor.mailbox.queued).toBe(1);
    h.actor.handle({ type: "cancel", id: 2, reason: "aborted" });
    expect(h.actor.mailbox.queued).toBe(0);
    h.actor.handle({ type: "cancel", id: 1, reason: "timeout" });
    await server.waitFor((s) => s.closedEarly === 1);
    expect(await h.call(3, "after")).toMatchObject({ type: "reply" });
    expect(
      server.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content),
    ).toEqual(["stalls", "after"]);
    expect(h.about(1)).toEqual([]);
    expect(h.about(2)).toEqual([]);
    expect(h.actor.inFlight).toBe(0);
  });

  it("a call in flight that is cancelled is torn down: the server sees the close", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "stall" });
    h.send(1, "x");
    await server.waitFor((s) => s.inFlight === 1);
    h.actor.handle({ type: "cancel", id: 1, reason: "aborted" });
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
    expect(h.about(1)).toEqual([]);
    expect(h.actor.mailbox.active).toBe(0);
  });

  it("a shared request is torn down only when all its callers are gone", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "stall" }, { times: 1 });
    h.send(1, "shared");
    h.send(2, "shared");
    await server.waitFor((s) => s.inFlight === 1);
    h.actor.handle({ type: "cancel", id: 1, reason: "aborted" });
    // The other caller still waits: the request stays open (checked after a full round through the loop).
    await h.call(3, "unrelated");
    expect(server.stats.closedEarly).toBe(0);
    h.actor.handle({ type: "cancel", id: 2, reason: "aborted" });
    await server.waitFor((s) => s.closedEarly === 1);
    expect(h.about(1)).toEqual([]);
    expect(h.about(2)).toEqual([]);
  });

  it("an in-memory cache hit is answered within the same turn", async () => {
    const h = await startActor(server.baseURL);
    await h.call(1, "cached");
    h.send(2, "cached");
    // No await between: the in-memory lookup is synchronous, so the reply is already posted.
    expect(h.about(2)).toMatchObject([{ type: "reply", reply: { cached: true } }]);
  });

  it("a cancel during an external store's lookup leaves the call unanswered", async () => {
    const store = new URL("../../fixtures/map-store.mjs", import.meta.url).pathname;
    const h = await startActor(server.baseURL, { cache: { store: { module: store } } });
    await h.call(1, "cached");
    h.send(2, "cached");
    h.actor.handle({ type: "cancel", id: 2, reason: "aborted" });
    await h.call(3, "cached");
    expect(h.about(2)).toEqual([]);
  });

  it("a timeout cancel takes a call stuck in the queue out of the mailbox, unanswered", async () => {
    const h = await startActor(server.baseURL, { maxConcurrency: 1 });
    server.fault({ kind: "stall" }, { times: 1 });
    h.send(1, "stalls");
    await server.waitFor((s) => s.inFlight === 1);
    h.send(2, "queued", { deadline: Date.now() + 50 });
    expect(h.actor.mailbox.queued).toBe(1);
    h.actor.handle({ type: "cancel", id: 2, reason: "timeout" });
    expect(h.actor.mailbox.queued).toBe(0);
    h.actor.handle({ type: "cancel", id: 1, reason: "aborted" });
    expect(h.about(2)).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });

  it("a call that arrives past its deadline is answered ERR_TIMEOUT at once, without a request", async () => {
    const h = await startActor(server.baseURL);
    expect(await h.call(1, "late", { deadline: Date.now() - 1 })).toMatchObject({
      type: "error",
      error: { code: "ERR_TIMEOUT" },
      meta: { attempts: 0 },
    });
    expect(server.stats.requests).toBe(0);
  });
});

describe("stop", () => {
  it("drains calls in flight, refuses new ones, closes, and says stopped", async () => {
    const h = await startActor(server.baseURL);
    server.setLatency(100);
    h.send(1, "a");
    h.send(2, "b");
    await server.waitFor((s) => s.inFlight === 2);
    const stopped = h.stop(5_000);
    expect(await h.call(3, "late")).toMatchObject({ type: "error", error: { code: "ERR_SYSTEM_STOPPED" } });
    expect(await stopped).toEqual({ type: "stopped", abandoned: 0 });
    const answers = [await h.answer(1), await h.answer(2)];
    expect(answers.map((a) => a.type)).toEqual(["reply", "reply"]);
    const order = h.posted.map((m) => m.type);
    expect(order.indexOf("stopped")).toBeGreaterThan(order.lastIndexOf("reply"));
  });

  it("cancels what outlives the grace: abandoned, unanswered, torn down", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "stall" });
    h.send(1, "stuck");
    await server.waitFor((s) => s.inFlight === 1);
    expect(await h.stop(50)).toEqual({ type: "stopped", abandoned: 1 });
    await server.waitFor((s) => s.closedEarly === 1);
    expect(h.about(1)).toEqual([]);
  });

  it("an idle actor stops at once", async () => {
    const h = await startActor(server.baseURL);
    expect(await h.stop(60_000)).toEqual({ type: "stopped", abandoned: 0 });
  });
});
