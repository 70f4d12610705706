import { afterEach, describe, expect, it } from "vitest";
import { ResponseCache } from "../../../../workers/cache/ResponseCache.js";
import { StoredVectors } from "../../../../workers/embed/StoredVectors.js";

const MAP_STORE = new URL("../../../fixtures/map-store.mjs", import.meta.url).pathname;

interface MapStoreLike {
  data: Map<string, unknown>;
  calls: Record<"get" | "set", number>;
}
const mapStore = (name: string): MapStoreLike => {
  const registry = (globalThis as Record<symbol, Map<string, MapStoreLike>>)[
    Symbol.for("dspex.test.mapStores")
  ];
  const store = registry?.get(name);
  if (store === undefined) throw new Error(`no map store named ${name}`);
  return store;
};

const caches: ResponseCache[] = [];
async function stored(name: string, options: Record<string, unknown> = {}, maxPendingWrites = 16) {
  const cache = await ResponseCache.create({
    maxEntries: 10,
    ttlMs: 60_000,
    maxPendingWrites,
    store: { module: MAP_STORE, options: { name, ...options } },
  });
  caches.push(cache);
  return { cache, vectors: new StoredVectors(cache) };
}
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

describe("StoredVectors", () => {
  it("writes behind, then reads back each key's vector and model, misses as undefined", async () => {
    const { cache, vectors } = await stored("sv-roundtrip");
    vectors.set("dspex:v1:a", { vector: Float32Array.from([1, 2]), model: "m" });
    expect(cache.writes.pending).toBe(1);
    await cache.settled();
    const [a, b] = await vectors.getMany(["dspex:v1:a", "dspex:v1:b"]);
    expect(Array.from(a?.vector ?? [])).toEqual([1, 2]);
    expect(a?.model).toBe("m");
    expect(b).toBeUndefined();
    // In the `dspex` namespace, with the key as given (keyv adds no second prefix).
    expect([...mapStore("sv-roundtrip").data.keys()]).toEqual(["dspex:v1:a"]);
    expect(cache.errors).toBe(0);
  });

  it("reads a malformed entry as a miss and counts it in errors", async () => {
    const { cache, vectors } = await stored("sv-corrupt");
    cache.setEntry("dspex:v1:bad", { m: "m", v: "not base64!" });
    await cache.settled();
    expect(await vectors.getMany(["dspex:v1:bad"])).toEqual([undefined]);
    expect(cache.errors).toBe(1);
  });

  it("reads a failing store as misses, each counted", async () => {
    const { cache, vectors } = await stored("sv-fail", { failGet: true });
    expect(await vectors.getMany(["dspex:v1:a", "dspex:v1:b"])).toEqual([undefined, undefined]);
    expect(cache.errors).toBe(2);
  });

  it("drops writes beyond maxPendingWrites and counts them", async () => {
    const { cache, vectors } = await stored("sv-cap", {}, 1);
    vectors.set("dspex:v1:a", { vector: Float32Array.from([1]), model: "m" });
    vectors.set("dspex:v1:b", { vector: Float32Array.from([2]), model: "m" });
    expect(cache.writes).toEqual({ pending: 1, dropped: 1, failed: 0 });
    await cache.settled();
    expect(mapStore("sv-cap").calls.set).toBe(1);
  });
});
