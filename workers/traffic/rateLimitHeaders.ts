/**
 * Reads what a vendor says about its limits and the request from a response's headers, without
 * building a header object for a 2xx answer (the hot path keeps undici's raw `[name, value, ...]`
 * buffers and only the few names that matter are decoded):
 *
 * - OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as durations (`12ms`, `1.5s`,
 *   `6m0s`, `1h2m3s`); `x-request-id`.
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   resets as RFC 3339 times; `request-id`.
 *
 * Resets become milliseconds from `now` (the moment the answer arrived), so both vendors read the same.
 */
import type { RateLimitHeaders, RateLimitWindow } from "../../src/types.js";
import type { ResponseHeaders } from "../providers/Provider.js";

/** What the headers of one answer said. */
export interface UpstreamHeaderInfo {
  requestId: string | undefined;
  rateLimit: RateLimitHeaders | undefined;
}

type WindowName = keyof RateLimitHeaders;
type Field = keyof RateLimitWindow;

/** What one header name carries: the request id, or one field of one rate-limit window. */
type Slot = { kind: "requestId" } | { kind: "limit"; window: WindowName; field: Field };

/**
 * Every header name worth reading, lower case, mapped to its slot: one `Map` lookup per header instead
 * of prefix tests and slicing (this runs for every answer; it showed in the cache-miss profile).
 */
const SLOTS = new Map<string, Slot>();
/** `WANTED_LENGTH[n]` is 1 when some wanted name has `n` characters: most headers are skipped on it. */
const WANTED_LENGTH = new Uint8Array(64);
{
  const windows: [string, WindowName][] = [
    ["requests", "requests"],
    ["tokens", "tokens"],
    ["input-tokens", "inputTokens"],
    ["output-tokens", "outputTokens"],
  ];
  const fields: [string, Field][] = [
    ["limit", "limit"],
    ["remaining", "remaining"],
    ["reset", "resetMs"],
  ];
  const add = (name: string, slot: Slot): void => {
    SLOTS.set(name, slot);
    WANTED_LENGTH[name.length] = 1;
  };
  add("x-request-id", { kind: "requestId" });
  add("request-id", { kind: "requestId" });
  for (const [wire, window] of windows) {
    for (const [part, field] of fields) {
      // OpenAI: x-ratelimit-<field>-<window>; Anthropic: anthropic-ratelimit-<window>-<field>.
      add(`x-ratelimit-${part}-${wire}`, { kind: "limit", window, field });
      add(`anthropic-ratelimit-${wire}-${part}`, { kind: "limit", window, field });
    }
  }
}

/** Collects header values into an {@link UpstreamHeaderInfo}. */
class Reader {
  requestId: string | undefined = undefined;
  rateLimit: RateLimitHeaders | undefined = undefined;

  constructor(private readonly now: number) {}

  /** `name` as sent (any case). */
  accept(name: string, value: string): void {
    const slot = SLOTS.get(name) ?? SLOTS.get(name.toLowerCase());
    if (slot === undefined) return;
    if (slot.kind === "requestId") {
      this.requestId ??= value;
      return;
    }
    const parsed = slot.field === "resetMs" ? resetMs(value, this.now) : Number(value);
    if (parsed === undefined || !Number.isFinite(parsed) || parsed < 0) return;
    this.rateLimit ??= {};
    const target = this.rateLimit[slot.window] ?? {};
    target[slot.field] = parsed;
    this.rateLimit[slot.window] = target;
  }

  result(): UpstreamHeaderInfo | undefined {
    if (this.requestId === undefined && this.rateLimit === undefined) return undefined;
    return { requestId: this.requestId, rateLimit: this.rateLimit };
  }
}

/** Could `name` (of `length` characters, first character code `first`) be one of {@link SLOTS}? */
function maybeWanted(first: number | undefined, length: number): boolean {
  if (length >= WANTED_LENGTH.length || WANTED_LENGTH[length] === 0) return false;
  // `x`, `a`, `r`, either case.
  return (
    first === 0x78 || first === 0x61 || first === 0x72 || first === 0x58 || first === 0x41 || first === 0x52
  );
}

/** From undici's raw `[name, value, ...]` headers. */
export function readRawHeaders(
  raw: readonly (Buffer | string)[],
  now: number,
): UpstreamHeaderInfo | undefined {
  const reader = new Reader(now);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer | string;
    if (typeof name === "string") {
      if (maybeWanted(name.charCodeAt(0), name.length)) reader.accept(name, String(raw[i + 1]));
    } else if (maybeWanted(name[0], name.length)) {
      // Header bytes are latin1 (RFC 9110); decoding them so is cheaper than UTF-8.
      const value = raw[i + 1] as Buffer | string;
      reader.accept(name.toString("latin1"), typeof value === "string" ? value : value.toString("latin1"));
    }
  }
  return reader.result();
}

/** From a header object (lower-case names, as undici's `request()` and `headersFrom` give them). */
export function readHeaderObject(headers: ResponseHeaders, now: number): UpstreamHeaderInfo | undefined {
  const reader = new Reader(now);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !maybeWanted(name.charCodeAt(0), name.length)) continue;
    reader.accept(name, Array.isArray(value) ? (value[0] as string) : value);
  }
  return reader.result();
}

/** A reset as milliseconds from `now`: an OpenAI duration, a bare number of seconds, or an RFC 3339 time. */
export function resetMs(value: string, now: number): number | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  const duration = durationMs(text);
  if (duration !== undefined) return duration;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `12ms`, `1.5s`, `6m0s`, `1h2m3s` (OpenAI), or a bare number of seconds (`retry-after`), in ms;
 * `undefined` for anything else. Read by hand, not by regular expressions: it runs for every answer.
 */
function durationMs(text: string): number | undefined {
  const n = text.length;
  let total = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    let c = text.charCodeAt(i);
    while (i < n && ((c >= 0x30 && c <= 0x39) || c === 0x2e)) c = text.charCodeAt(++i);
    if (i === start) return undefined;
    const number = Number(text.slice(start, i));
    if (Number.isNaN(number)) return undefined;
    if (i === n) return start === 0 ? number * 1_000 : undefined; // a bare number: seconds
    let unit: number;
    if (c === 0x6d && text.charCodeAt(i + 1) === 0x73) {
      unit = 1; // ms
      i += 2;
    } else {
      unit = c === 0x68 ? 3_600_000 : c === 0x6d ? 60_000 : c === 0x73 ? 1_000 : 0;
      if (unit === 0) return undefined;
      i += 1;
    }
    total += number * unit;
  }
  return total;
}
