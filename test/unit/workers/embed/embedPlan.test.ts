import { describe, expect, it } from "vitest";
import type { WireEmbedRequest } from "../../../../src/protocol.js";
import { createTextHasher } from "../../../../workers/cache/CacheKey.js";
import { Coalescer } from "../../../../workers/cache/Coalescer.js";
import { EmbedJob } from "../../../../workers/embed/EmbedJob.js";
import { EmbedKeys } from "../../../../workers/embed/EmbedKeys.js";
import { planEmbed } from "../../../../workers/embed/embedPlan.js";
import { VectorCache } from "../../../../workers/embed/VectorCache.js";

const CLIENT = {
  provider: "openai" as const,
  baseURL: "http://127.0.0.1:1/v1",
  model: "m",
  headers: undefined,
};

const request = (inputs: string[], cache: WireEmbedRequest["cache"] = "use"): WireEmbedRequest => ({
  inputs,
  params: {},
  deadline: 10_000,
  attemptTimeoutMs: 1_000,
  maxRetries: 0,
  cache,
});

describe("planEmbed", async () => {
  const keys = new EmbedKeys(CLIENT, await createTextHasher());

  it("without a cache: one unkeyed flight per position, all owned", () => {
    const coalescer = new Coalescer<EmbedJob>();
    const job = new EmbedJob(1, request(["a", "a"]));
    const owned = planEmbed(job, coalescer, undefined, true);
    expect(owned.map((o) => [o.input, o.key])).toEqual([
      ["a", undefined],
      ["a", undefined],
    ]);
    expect(owned[0]?.flight).not.toBe(owned[1]?.flight);
  });

  it("fills cached positions, fetches a repeated input once, joins another job's flight", () => {
    const coalescer = new Coalescer<EmbedJob>();
    const vectors = new VectorCache(100, 60_000);
    const cache = { vectors, keys };
    const keyOf = keys.forRequest({}, undefined);
    vectors.set(keyOf("cached"), { vector: new Float32Array([1]), model: "m" });

    const first = new EmbedJob(1, request(["b"]));
    const firstOwned = planEmbed(first, coalescer, cache, true);
    expect(firstOwned.map((o) => o.input)).toEqual(["b"]);

    const job = new EmbedJob(2, request(["cached", "a", "b", "a"]));
    const owned = planEmbed(job, coalescer, cache, true);
    expect(job.cachedInputs).toBe(1);
    expect(job.remaining).toBe(3);
    // "a" twice: one flight it owns, filling positions 1 and 3; "b": the first job's flight.
    expect(owned.map((o) => o.input)).toEqual(["a"]);
    expect(job.waiting.get(owned[0]?.flight as never)).toEqual([1, 3]);
    expect(job.waiting.get(firstOwned[0]?.flight as never)).toEqual([2]);
  });

  it("mode refresh reads nothing from the cache; coalesce off joins nobody", () => {
    const coalescer = new Coalescer<EmbedJob>();
    const vectors = new VectorCache(100, 60_000);
    const cache = { vectors, keys };
    vectors.set(keys.forRequest({}, undefined)("a"), { vector: new Float32Array([1]), model: "m" });
    const first = new EmbedJob(1, request(["a"], "refresh"));
    expect(planEmbed(first, coalescer, cache, false)).toHaveLength(1);
    expect(first.cachedInputs).toBe(0);
    const second = new EmbedJob(2, request(["a"], "refresh"));
    expect(planEmbed(second, coalescer, cache, false)).toHaveLength(1);
  });
});
