/**
 * Micro-benchmark of the worker's cache hot path: building a cache key (canonical JSON + XXH64) for a
 * small (~300 B) and a ~1.4 KB request, and a cache hit through keyv vs a bare lru-cache `get`.
 *
 *   npm run build && node dist/bench/micro/cache.js
 *
 * Other stable serializers are compared when they can be imported (they are not dependencies:
 * `npm install --no-save fast-json-stable-stringify json-stable-stringify fast-stable-stringify`).
 * Prints the fastest of 7 runs in µs per operation; compare ratios within one run.
 */
import { Keyv } from "keyv";
import { LRUCache } from "lru-cache";
import { configure } from "safe-stable-stringify";
import xxhash from "xxhash-wasm";
import type { Reply } from "../../src/types.js";
import { type CacheKeyInput, createCacheKeyer } from "../../workers/cache/CacheKey.js";
import { ResponseCache } from "../../workers/cache/ResponseCache.js";

type Serializer = (value: unknown) => string | undefined;

const small: CacheKeyInput = {
  provider: "openai",
  baseURL: "https://api.openai.com/v1",
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a helpful assistant. Answer briefly." },
    { role: "user", content: "What is the capital of France? Answer in one word please." },
  ],
  params: { temperature: 0, maxTokens: 256 },
};

const large: CacheKeyInput = {
  provider: "anthropic",
  baseURL: "https://api.anthropic.com/v1",
  model: "claude-sonnet-4-5",
  messages: [
    {
      role: "system",
      content:
        'You are a careful assistant that answers questions about geography, history and science. Cite sources when you can, and say "I don\'t know" when unsure.\nKeep answers short and precise.',
    },
    {
      role: "user",
      content:
        "Tell me about the Loire valley: its castles, its wines, and why the kings of France built there in the 15th and 16th centuries.",
    },
    {
      role: "assistant",
      content:
        "The Loire valley holds over 300 châteaux, among them Chambord, Chenonceau and Amboise. Kings moved there during the Hundred Years' War, when Paris was unsafe, and stayed for the hunting and the mild climate. Its wines include Sancerre, Vouvray and Muscadet.",
    },
    {
      role: "user",
      content: [
        {
          type: "text",
          text: "Which of those castles can I visit in one day from Tours, by train or bus? List them with travel times, opening hours and prices.",
        },
      ],
    },
  ],
  params: {
    temperature: 0.7,
    maxTokens: 1024,
    topP: 0.9,
    stop: ["\n\nHuman:", "END"],
    seed: 42,
    tools: [
      {
        name: "get_weather",
        description: "Get the current weather for a city",
        input_schema: {
          type: "object",
          properties: {
            city: { type: "string", description: "City name" },
            unit: { type: "string", enum: ["c", "f"] },
          },
          required: ["city"],
        },
      },
    ],
    extra: { metadata: { user_id: "u-123" } },
  },
};

/** Fastest of 7 runs of `n` calls, in µs per call (the least disturbed by other load on the machine). */
function time<T>(fn: (arg: T) => unknown, arg: T, n = 100_000): number {
  for (let i = 0; i < n / 5; i++) fn(arg);
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(arg);
    runs.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  return Math.min(...runs);
}

/** Fastest of 7 runs, in µs per awaited call. */
async function timeAsync(fn: () => Promise<unknown>, n = 100_000): Promise<number> {
  for (let i = 0; i < n / 5; i++) await fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  return Math.min(...runs);
}

/** A straightforward recursive canonical serializer, to check that a hand-written one does not win. */
function handWritten(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += value[i] === undefined ? "null" : handWritten(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  out = "{";
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ",";
    out += `${JSON.stringify(key)}:${handWritten(v)}`;
  }
  return `${out}}`;
}

async function optional(name: string): Promise<Serializer | undefined> {
  try {
    const mod = (await import(name)) as { default: Serializer };
    return mod.default;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const serializers: Record<string, Serializer | undefined> = {
    "safe-stable-stringify (chosen)": configure({ deterministic: true, circularValue: TypeError }),
    "fast-json-stable-stringify": await optional("fast-json-stable-stringify"),
    "json-stable-stringify": await optional("json-stable-stringify"),
    "fast-stable-stringify": await optional("fast-stable-stringify"),
    "hand-written recursive": handWritten,
    "JSON.stringify (not canonical)": JSON.stringify,
  };
  const wrap = (i: CacheKeyInput) => ({ v: 1, ...i });
  const sizes = [small, large].map((i) => JSON.stringify(wrap(i)).length);
  console.log(`canonical sizes: small ${sizes[0]} B, large ${sizes[1]} B\nserialization, µs per call:`);
  for (const [name, f] of Object.entries(serializers)) {
    if (f === undefined) {
      console.log(`  ${name.padEnd(32)} (not installed)`);
      continue;
    }
    const s = time(f, wrap(small));
    const l = time(f, wrap(large));
    console.log(`  ${name.padEnd(32)} small ${s.toFixed(2)}  large ${l.toFixed(2)}`);
  }
  const { h64ToString, h64 } = await xxhash();
  const text = JSON.stringify(wrap(large));
  console.log(
    `hash of the large text, µs: h64ToString ${time(h64ToString, text).toFixed(2)}, h64 (bigint) ${time(h64, text).toFixed(2)}`,
  );
  const key = await createCacheKeyer();
  console.log(
    `whole key (createCacheKeyer), µs: small ${time(key, small).toFixed(2)}  large ${time(key, large).toFixed(2)}`,
  );

  const reply: Reply = {
    text: "Paris.",
    cached: false,
    usage: { promptTokens: 20, completionTokens: 2, totalTokens: 22 },
    finishReason: "stop",
    model: "gpt-4o-mini",
  };
  const lru = new LRUCache<string, object>({ max: 1_000, ttl: 3_600_000 });
  lru.set("dspex:v1:0123456789abcdef", { value: reply, expires: undefined });
  const cache = await ResponseCache.create({ maxEntries: 1_000, ttlMs: 3_600_000, maxPendingWrites: 16 });
  await cache.set("dspex:v1:0123456789abcdef", reply);
  const keyv = new Keyv({ store: lru, namespace: undefined, serialize: undefined, deserialize: undefined });
  const k = "dspex:v1:0123456789abcdef";
  const miss = "dspex:v1:fedcba9876543210";
  // A miss is what every upstream call pays (lookup, then a store); a hit is the cache-hit path.
  const rawHit = time(() => lru.get(k), undefined);
  const cacheHit = time(() => cache.get(k), undefined);
  const keyvHit = await timeAsync(() => keyv.get(k));
  const rawMiss = time(() => lru.get(miss), undefined);
  const cacheMiss = time(() => cache.get(miss), undefined);
  const keyvMiss = await timeAsync(() => keyv.get(miss));
  const cacheSet = time(() => cache.set(k, reply), undefined);
  const keyvSet = await timeAsync(() => keyv.set(k, reply));
  console.log(
    `hit, µs per get: raw lru-cache ${rawHit.toFixed(3)}, ResponseCache (lru + copy, synchronous) ${cacheHit.toFixed(3)}, ` +
      `keyv over the same lru (awaited) ${keyvHit.toFixed(3)}`,
  );
  console.log(
    `miss, µs per get: raw lru-cache ${rawMiss.toFixed(3)}, ResponseCache ${cacheMiss.toFixed(3)}, keyv (awaited) ${keyvMiss.toFixed(3)}`,
  );
  console.log(
    `store, µs per set: ResponseCache (copy + lru) ${cacheSet.toFixed(3)}, keyv (awaited) ${keyvSet.toFixed(3)}`,
  );
  await cache.close();
}

await main();
