import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { CacheWriteStats } from "../../../../src/protocol.js";
import type { Reply } from "../../../../src/types.js";
import { ResponseCache } from "../../../../workers/cache/ResponseCache.js";

const FIXTURE = new URL("../../../fixtures/map-store.mjs", import.meta.url);

interface MapStoreLike {
  data: Map<string, unknown>;
  calls: Record<"get" | "set" | "delete" | "clear" | "disconnect", number>;
  ttls: unknown[];
}
const mapStore = (name: string): MapStoreLike => {
  const registry = (globalThis as Record<symbol, Map<string, MapStoreLike>>)[
    Symbol.for("dspex.test.mapStores")
  ];
  const store = registry?.get(name);
  if (store === undefined) throw new Error(`no map store named ${name}`);
  return store;
};

const reply = (text: string, extra: Partial<Reply> = {}): Reply => ({
  text,
  cached: false,
  usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
  finishReason: "stop",
  model: "m",
  ...extra,
});

const caches: ResponseCache[] = [];
async function cache(settings: Parameters<typeof ResponseCache.create>[0], clock?: { now(): number }) {
  const c = await ResponseCache.create(settings, clock === undefined ? {} : { clock });
  caches.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

describe("ResponseCache in memory", () => {
  it("misses, then hits with cached: true and the stored fields", async () => {
    const c = await cache({ maxEntries: 10, ttlMs: 60_000, maxPendingWrites: 16 });
    expect(await c.get("k")).toBeUndefined();
    c.set("k", reply("Paris.", { toolCalls: [{ id: "t1", name: "f", arguments: "{}" }] }));
    await c.settled();
    expect(await c.get("k")).toEqual(
      reply("Paris.", { cached: true, toolCalls: [{ id: "t1", name: "f", arguments: "{}" }] }),
    );
    expect(c.entries).toBe(1);
  });

  it("hands out copies: mutating a hit, or the reply that was stored, changes no later hit", async () => {
    const c = await cache({ maxEntries: 10, ttlMs: 60_000, maxPendingWrites: 16 });
    const original = reply("a", { toolCalls: [{ id: "t1", name: "f", arguments: "{}" }] });
    c.set("k", original);
    original.text = "changed by the caller after set";
    original.usage.totalTokens = 999;
    const first = (await c.get("k")) as Reply;
    first.text = "mutated";
    first.usage.promptTokens = 1000;
    (first.toolCalls as NonNullable<Reply["toolCalls"]>)[0] = { id: "x", name: "x", arguments: "x" };
    first.cached = false;
    const second = await c.get("k");
    expect(second).toEqual(
      reply("a", { cached: true, toolCalls: [{ id: "t1", name: "f", arguments: "{}" }] }),
    );
    expect(second).not.toBe(first);
  });

  it("keeps long texts (ASCII or not) exactly, and a hit's text is its own", async () => {
    const c = await cache({ maxEntries: 10, ttlMs: 60_000, maxPendingWrites: 16 });
    const ascii = "The capital of France is Paris. ".repeat(200);
    const unicode = `Ça coûte 5 € — 東京 🚀 ${"é".repeat(3_000)} fin`;
    const justShort = "x".repeat(1_023);
    const original = reply(ascii, { reasoning: "because" });
    c.set("ascii", original);
    c.set("unicode", reply(unicode));
    c.set("short", reply(justShort));
    original.text = "changed after set";
    expect(await c.get("ascii")).toEqual(reply(ascii, { cached: true, reasoning: "because" }));
    expect(await c.get("unicode")).toEqual(reply(unicode, { cached: true }));
    expect(await c.get("short")).toEqual(reply(justShort, { cached: true }));
    const hit = (await c.get("unicode")) as Reply;
    hit.text = "mutated";
    expect(((await c.get("unicode")) as Reply).text).toBe(unicode);
  });

  it("keeps at most maxEntries, evicting the least recently used", async () => {
    const c = await cache({ maxEntries: 2, ttlMs: 60_000, maxPendingWrites: 16 });
    c.set("a", reply("A"));
    await c.settled();
    c.set("b", reply("B"));
    await c.settled();
    await c.get("a"); // a is now more recent than b
    c.set("c", reply("C"));
    await c.settled();
    expect(c.entries).toBe(2);
    expect(await c.get("b")).toBeUndefined();
    expect((await c.get("a"))?.text).toBe("A");
    expect((await c.get("c"))?.text).toBe("C");
  });

  it("expires entries after ttlMs", async () => {
    let now = 1_000;
    const c = await cache({ maxEntries: 10, ttlMs: 500, maxPendingWrites: 16 }, { now: () => now });
    c.set("k", reply("fresh"));
    await c.settled();
    now += 499;
    expect((await c.get("k"))?.text).toBe("fresh");
    now += 2;
    expect(await c.get("k")).toBeUndefined();
    expect(c.entries).toBe(0);
  });

  it("clears, and after close misses and drops writes", async () => {
    const c = await cache({ maxEntries: 10, ttlMs: 60_000, maxPendingWrites: 16 });
    c.set("k", reply("x"));
    await c.settled();
    await c.clear();
    expect(c.entries).toBe(0);
    c.set("k", reply("x"));
    await c.settled();
    await c.close();
    expect(await c.get("k")).toBeUndefined();
    c.set("j", reply("y"));
    await c.settled();
    expect(await c.get("j")).toBeUndefined();
    await c.close(); // idempotent
  });
});

describe("ResponseCache over an external keyv store", () => {
  it("imports the module, builds its default export with the options, and stores JSON strings", async () => {
    const c = await cache({
      maxEntries: 10,
      ttlMs: 60_000,
      maxPendingWrites: 16,
      store: { module: FIXTURE.href, options: { name: "s1" } },
    });
    const store = mapStore("s1");
    expect(c.entries).toBeUndefined();
    expect(await c.get("dspex:v1:abc")).toBeUndefined();
    c.set("dspex:v1:abc", reply("Paris."));
    await c.settled();
    // The key keeps its own `dspex:` prefix (no second namespace prefix); the value is a string
    // without `cached`; the store is told the TTL.
    expect([...store.data.keys()]).toEqual(["dspex:v1:abc"]);
    const raw = store.data.get("dspex:v1:abc");
    expect(typeof raw).toBe("string");
    expect(raw).not.toContain("cached");
    expect(store.ttls).toEqual([60_000]);
    expect(await c.get("dspex:v1:abc")).toEqual(reply("Paris.", { cached: true }));
    expect(store.calls.get).toBe(2);
    expect(store.calls.set).toBe(1);
    await c.clear();
    expect(store.calls.clear).toBe(1);
    await c.close();
    expect(store.calls.disconnect).toBe(1);
  });

  it("accepts a file path as the module and expires by keyv's own clock", async () => {
    const path = fileURLToPath(FIXTURE);
    const c = await cache({
      maxEntries: 10,
      ttlMs: 1_000,
      maxPendingWrites: 16,
      store: { module: path, options: { name: "s2" } },
    });
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    try {
      c.set("dspex:v1:k", reply("x"));
      await c.settled();
      now += 999;
      expect((await c.get("dspex:v1:k"))?.text).toBe("x");
      now += 2;
      expect(await c.get("dspex:v1:k")).toBeUndefined();
      expect(mapStore("s2").data.size).toBe(0); // keyv deleted the expired entry
    } finally {
      Date.now = realNow;
    }
  });

  it("reads a failing store and a malformed entry as misses, counting them", async () => {
    const failing = await cache({
      maxEntries: 10,
      ttlMs: 60_000,
      maxPendingWrites: 16,
      store: { module: FIXTURE.href, options: { name: "s3", failGet: true } },
    });
    failing.set("dspex:v1:k", reply("x"));
    await failing.settled();
    expect(await failing.get("dspex:v1:k")).toBeUndefined();
    expect(failing.errors).toBe(1);

    const c = await cache({
      maxEntries: 10,
      ttlMs: 60_000,
      maxPendingWrites: 16,
      store: { module: FIXTURE.href, options: { name: "s4" } },
    });
    const store = mapStore("s4");
    store.data.set("dspex:v1:bad", JSON.stringify({ value: { text: 42 } }));
    store.data.set("dspex:v1:garbage", "{not json");
    expect(await c.get("dspex:v1:bad")).toBeUndefined();
    expect(await c.get("dspex:v1:garbage")).toBeUndefined();
    expect(c.errors).toBe(2);
  });

  it("rejects with ERR_INVALID_ARGUMENT naming cache.store.module when the store cannot be built", async () => {
    const missing = pathToFileURL("/nonexistent/dspex-store.mjs").href;
    const attempts = [
      () =>
        ResponseCache.create({ maxEntries: 1, ttlMs: 1, maxPendingWrites: 16, store: { module: missing } }),
      // node:path has a default export that is not a class (an object without Keyv... exports).
      () =>
        ResponseCache.create({
          maxEntries: 1,
          ttlMs: 1,
          maxPendingWrites: 16,
          store: { module: "node:path" },
        }),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
      expect((error as { field?: string }).field).toBe("cache.store.module");
    }
  });

  it("never puts the store options in an error message", async () => {
    // A class whose constructor throws with the options it got, as a client library might.
    const source = `export default class { constructor(o) { throw new Error("bad url " + o.url); } }`;
    const module = `data:text/javascript,${encodeURIComponent(source)}`;
    const error = await ResponseCache.create({
      maxEntries: 1,
      ttlMs: 1,
      maxPendingWrites: 16,
      store: { module, options: { url: "redis://:hunter2-password@127.0.0.1" } },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    expect(error?.message).not.toContain("hunter2");
  });
});

describe("ResponseCache write-behind (external store)", () => {
  const STUCK = new URL("../../../fixtures/stuck-store.mjs", import.meta.url).href;

  it("never waits for a store that never answers: writes beyond maxPendingWrites are dropped and counted", async () => {
    const reports: CacheWriteStats[] = [];
    const c = await ResponseCache.create(
      {
        maxEntries: 10,
        ttlMs: 60_000,
        maxPendingWrites: 3,
        store: { module: STUCK, options: { name: "w1", set: "hang" } },
      },
      { onWrites: (w) => reports.push(w) },
    );
    caches.push(c);
    for (let i = 0; i < 5; i++) expect(c.set(`dspex:v1:${i}`, reply(`r${i}`))).toBeUndefined();
    expect(c.writes).toEqual({ pending: 3, dropped: 2, failed: 0 });
    // Reported once for the whole turn, after it.
    expect(reports).toEqual([]);
    await Promise.resolve();
    expect(reports).toEqual([{ pending: 3, dropped: 2, failed: 0 }]);
    // The started writes did reach the store (and hang there); the dropped ones never did.
    await vi.waitFor(() => expect(mapStore("w1").calls.set).toBe(3));
    c.set("dspex:v1:5", reply("r5"));
    await Promise.resolve();
    // Increments since the last report: one more drop.
    expect(reports.at(-1)).toEqual({ pending: 3, dropped: 1, failed: 0 });
  });

  it("counts failed writes and frees their places", async () => {
    const reports: CacheWriteStats[] = [];
    const c = await ResponseCache.create(
      {
        maxEntries: 10,
        ttlMs: 60_000,
        maxPendingWrites: 2,
        store: { module: STUCK, options: { name: "w2", set: "throw" } },
      },
      { onWrites: (w) => reports.push(w) },
    );
    caches.push(c);
    c.set("dspex:v1:a", reply("a"));
    c.set("dspex:v1:b", reply("b"));
    await c.settled();
    expect(c.writes).toEqual({ pending: 0, dropped: 0, failed: 2 });
    c.set("dspex:v1:c", reply("c"));
    await c.settled();
    expect(c.writes).toEqual({ pending: 0, dropped: 0, failed: 3 });
    const total = reports.reduce((n, r) => n + r.failed, 0);
    expect(total).toBe(3);
    expect(reports.at(-1)?.pending).toBe(0);
  });

  it("maxPendingWrites: 0 drops every write of an external store", async () => {
    const c = await cache({
      maxEntries: 10,
      ttlMs: 60_000,
      maxPendingWrites: 0,
      store: { module: FIXTURE.href, options: { name: "w3" } },
    });
    c.set("dspex:v1:a", reply("a"));
    await c.settled();
    expect(mapStore("w3").calls.set).toBe(0);
    expect(c.writes.dropped).toBe(1);
  });
});
