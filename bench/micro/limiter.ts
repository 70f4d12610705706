/**
 * Micro-benchmark behind the rate gate's limiter choice (docs/decisions.md, "The rate gate's limiter"):
 * CPU and memory per admitted call of the hand-written {@link TokenBucket} (what `RateGate` uses) and
 * of `rate-limiter-flexible`'s `RateLimiterMemory.consume` (its in-memory limiter, whose API the Redis
 * limiter shares), with a limit high enough that nothing is refused (the common path).
 *
 *   npm run build && node --expose-gc dist/bench/micro/limiter.js
 *
 * Prints the fastest of 7 runs in µs per call and the heap growth per call; compare within one run.
 */
import { RateLimiterMemory } from "rate-limiter-flexible";
import { TokenBucket } from "../../workers/traffic/TokenBucket.js";

const CALLS = 200_000;
const gc = (globalThis as { gc?: () => void }).gc;

async function measure(label: string, run: (n: number) => Promise<void> | void): Promise<void> {
  let best = Number.POSITIVE_INFINITY;
  let heapPerCall = 0;
  for (let round = 0; round < 7; round++) {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await run(CALLS);
    const us = ((performance.now() - t0) * 1_000) / CALLS;
    const heapAfter = process.memoryUsage().heapUsed;
    if (us < best) {
      best = us;
      heapPerCall = (heapAfter - heapBefore) / CALLS;
    }
  }
  process.stdout.write(
    `${label.padEnd(52)} ${best.toFixed(3)} µs/call   heap +${heapPerCall.toFixed(1)} B/call (before GC)\n`,
  );
}

const bucket = new TokenBucket(1e12, 1e9, Date.now());
await measure("hand-written TokenBucket (fits + take, sync)", (n) => {
  for (let i = 0; i < n; i++) {
    const now = Date.now();
    if (bucket.fits(1, now)) bucket.take(1, now);
  }
});

const flexible = new RateLimiterMemory({ points: 1e12, duration: 60 });
await measure("rate-limiter-flexible RateLimiterMemory.consume", async (n) => {
  for (let i = 0; i < n; i++) await flexible.consume("client", 1);
});

await measure("rate-limiter-flexible consume, 64 at once", async (n) => {
  for (let i = 0; i < n; i += 64) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < 64; j++) batch.push(flexible.consume("client", 1));
    await Promise.all(batch);
  }
});
