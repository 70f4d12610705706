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

const OPENAI_PREFIX = "x-ratelimit-";
const ANTHROPIC_PREFIX = "anthropic-ratelimit-";
const FIELDS: Record<string, Field> = { limit: "limit", remaining: "remaining", reset: "resetMs" };
const WINDOWS: Record<string, WindowName> = {
  requests: "requests",
  tokens: "tokens",
  "input-tokens": "inputTokens",
  "output-tokens": "outputTokens",
};

/** Collects header values into an {@link UpstreamHeaderInfo}. */
class Reader {
  requestId: string | undefined = undefined;
  rateLimit: RateLimitHeaders | undefined = undefined;

  constructor(private readonly now: number) {}

  accept(name: string, value: string): void {
    if (name === "x-request-id" || name === "request-id") {
      this.requestId ??= value;
      return;
    }
    let window: string;
    let field: string;
    if (name.startsWith(OPENAI_PREFIX)) {
      // x-ratelimit-<field>-<window>
      const rest = name.slice(OPENAI_PREFIX.length);
      const dash = rest.indexOf("-");
      field = rest.slice(0, dash);
      window = rest.slice(dash + 1);
    } else if (name.startsWith(ANTHROPIC_PREFIX)) {
      // anthropic-ratelimit-<window>-<field>
      const rest = name.slice(ANTHROPIC_PREFIX.length);
      const dash = rest.lastIndexOf("-");
      window = rest.slice(0, dash);
      field = rest.slice(dash + 1);
    } else {
      return;
    }
    const key = WINDOWS[window];
    const slot = FIELDS[field];
    if (key === undefined || slot === undefined) return;
    const parsed = slot === "resetMs" ? resetMs(value, this.now) : Number(value);
    if (parsed === undefined || !Number.isFinite(parsed) || parsed < 0) return;
    this.rateLimit ??= {};
    const target = this.rateLimit[key] ?? {};
    target[slot] = parsed;
    this.rateLimit[key] = target;
  }

  result(): UpstreamHeaderInfo | undefined {
    if (this.requestId === undefined && this.rateLimit === undefined) return undefined;
    return { requestId: this.requestId, rateLimit: this.rateLimit };
  }
}

/** First bytes of the names worth decoding: `x`, `a`, `r` (either case). */
function maybeWanted(first: number | undefined): boolean {
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
    const first = typeof name === "string" ? name.charCodeAt(0) : name[0];
    if (!maybeWanted(first) || name.length < 10) continue;
    reader.accept(String(name).toLowerCase(), String(raw[i + 1]));
  }
  return reader.result();
}

/** From a header object (lower-case names, as undici's `request()` and `headersFrom` give them). */
export function readHeaderObject(headers: ResponseHeaders, now: number): UpstreamHeaderInfo | undefined {
  const reader = new Reader(now);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !maybeWanted(name.charCodeAt(0))) continue;
    reader.accept(name, Array.isArray(value) ? (value[0] as string) : value);
  }
  return reader.result();
}

const DURATION = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** A reset as milliseconds from `now`: an OpenAI duration, a bare number of seconds, or an RFC 3339 time. */
export function resetMs(value: string, now: number): number | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1_000;
  if (/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) {
    let total = 0;
    for (const match of text.matchAll(DURATION))
      total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
    return total;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
