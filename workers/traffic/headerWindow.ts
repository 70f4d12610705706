/**
 * What one answer's rate-limit headers say about a bucket of the rate gate (RateGate.ts has the
 * whole story): the refill rate `(limit - remaining) / reset`, trusted by how many units the headers
 * show spent, and the bounds the vendor's level lies between, which the gate's own count is held to.
 * Pure: the bucket and the clock come in.
 */
import type { RateLimitWindow } from "../../src/types.js";
import { TokenBucket } from "./TokenBucket.js";

/** Milliseconds in a minute: limits are per minute. */
export const MINUTE_MS = 60_000;
/** Pace a learned rate this much below what the headers say: clocks and rounding differ a little. */
const SAFETY = 0.98;
/**
 * A rate read from headers that show at least this many units spent (`limit - remaining`) is precise
 * enough to replace any other (the floor of `remaining` is then at most 1/16 of the span).
 */
export const PRECISE_SPAN = 8;

/**
 * A bucket after an answer's `window`. The vendor's `remaining` was its level when it wrote the
 * answer: since then it has refilled (at most `rate * sinceSent`) and counted some of the `unseen`
 * requests still in flight. So the level now lies between `remaining - unseen` and
 * `remaining + rate * sinceSent`; the gate's own count is kept when it lies there and moved to the
 * nearer bound when it does not (see the module comment). `fromHeaders`: the level is now what the
 * headers say, not the gate's own count.
 */
export function boundByHeaders(
  bucket: TokenBucket | undefined,
  window: RateLimitWindow | undefined,
  configured: number | undefined,
  unseen: number,
  sinceSent: number,
  now: number,
): { bucket: TokenBucket | undefined; fromHeaders: boolean } {
  if (window?.limit === undefined || window.remaining === undefined || window.limit <= 0)
    return { bucket, fromHeaders: false };
  const { limit, remaining } = window;
  const low = remaining - unseen;
  if (configured !== undefined && bucket !== undefined) {
    // Configured limits are the ceiling; the vendor's figure can only say less is left.
    if (low < bucket.level(now)) bucket.take(bucket.level(now) - low, now);
    return { bucket, fromHeaders: false };
  }
  const reset = window.resetMs;
  const spent = limit - remaining;
  let rate = bucket?.ratePerMs ?? limit / MINUTE_MS;
  let span = bucket?.rateSpan ?? 0;
  if (reset !== undefined && reset > 0 && spent >= 2 && (spent >= PRECISE_SPAN || spent >= span)) {
    // `remaining` is rounded down: the vendor spent between `spent - 1` and `spent`. A wide span
    // takes the middle; a narrow one the low end (a rate too high sends into a 429, one too low only
    // waits for the next answer to correct it). One spent says nothing: the rate stays a guess.
    rate = ((spent >= PRECISE_SPAN ? spent - 0.5 : spent - 1) / reset) * SAFETY;
    span = spent;
  }
  if (bucket === undefined) {
    const learned = new TokenBucket(limit, rate, now, low);
    learned.rateSpan = span;
    return { bucket: learned, fromHeaders: true };
  }
  const own = bucket.level(now);
  const high = remaining + rate * sinceSent;
  const level = Math.min(Math.max(own, low), high);
  bucket.reset(limit, rate, level, now);
  bucket.rateSpan = span;
  return { bucket, fromHeaders: level !== own };
}
