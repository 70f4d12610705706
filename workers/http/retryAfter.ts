/**
 * How long upstream asks us to wait, read the way the official SDKs read it: `retry-after-ms` first,
 * then `retry-after` as seconds or as an HTTP date.
 */
import type { ResponseHeaders } from "../providers/Provider.js";

/** Milliseconds to wait, or `undefined` when the headers say nothing usable. `now` is injectable for tests. */
export function retryAfterMs(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const ms = Number.parseFloat(first(headers["retry-after-ms"]) ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const raw = first(headers["retry-after"]);
  if (raw === undefined || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The first value of a header that may repeat. */
export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
