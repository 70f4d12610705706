/**
 * Last line of defence for secrets: every text that leaves a worker or reaches a caller (error
 * messages and every other string field of an error, event payloads) passes through here with the
 * client's API key (on the main thread: every key of the tree).
 *
 * - {@link redact} masks the key wherever it appears, and also any run of the key's first
 *   {@link MIN_SECRET_PREFIX} or more characters: what is left when upstream (or anyone) cut the key
 *   short. A run shorter than that is not masked: 7 characters of a key are mostly the vendor's
 *   prefix (`sk-proj`, `sk-ant-`), not something that identifies it.
 * - {@link clipMessage} bounds a message's length. It runs **after** redaction: clipping first could cut
 *   a key in two and leave its first part in the text.
 * - {@link scrubError} and {@link scrubDeep} apply {@link redact} to every string of an error or an
 *   event (nested data included: `upstreamCode`, `requestId`, ...), so a key echoed in a header or a
 *   vendor's error code is masked as well as one in a message.
 */
import type { ErrorData } from "./errors.js";

const MASK = "[redacted]";

/** The shortest run of a key's first characters that is masked wherever it appears. */
export const MIN_SECRET_PREFIX = 8;

/** Keys shorter than this are not redacted at all (a 3-character key would mask ordinary words). */
const MIN_SECRET = 4;

/** The longest error message kept, in characters (upstream bodies can be large HTML pages). */
export const MAX_MESSAGE = 600;

/**
 * `text` with every occurrence of `secret`, and every run of its first {@link MIN_SECRET_PREFIX} or more
 * characters, replaced by a mask. A key shorter than that is masked only whole.
 */
export function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < MIN_SECRET) return text;
  const probeLength = Math.min(MIN_SECRET_PREFIX, secret.length);
  const probe = secret.slice(0, probeLength);
  let at = text.indexOf(probe);
  if (at === -1) return text;
  let out = "";
  let from = 0;
  while (at !== -1) {
    // Extend the match as far as the text keeps following the key.
    let end = at + probeLength;
    let k = probeLength;
    while (k < secret.length && end < text.length && text.charCodeAt(end) === secret.charCodeAt(k)) {
      end++;
      k++;
    }
    out += text.slice(from, at) + MASK;
    from = end;
    at = text.indexOf(probe, from);
  }
  return out + text.slice(from);
}

/** `text` redacted for each of `secrets`. */
export function redactAll(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) out = redact(out, secret);
  return out;
}

/** `message` cut to {@link MAX_MESSAGE} characters (with an ellipsis). Call it on redacted text only. */
export function clipMessage(message: string, max = MAX_MESSAGE): string {
  return message.length > max ? `${message.slice(0, max)}…` : message;
}

/**
 * A copy of `data` with every string field redacted for `secrets`, then clipped to
 * {@link MAX_MESSAGE} (the message, and `upstreamCode` or `requestId` if upstream made them long).
 * `code` is ours and left alone.
 */
export function scrubError(
  data: ErrorData,
  secrets: string | undefined | Iterable<string | undefined>,
): ErrorData {
  const list = typeof secrets === "string" || secrets === undefined ? [secrets] : secrets;
  const out = scrubDeep(data, list) as ErrorData & Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === "string") out[key] = clipMessage(value);
  }
  out.code = data.code;
  return out;
}

/**
 * A copy of plain data `value` with every string in it (at any depth, keys excepted) redacted for
 * `secrets`. Values that are not plain objects, arrays or strings are kept as they are.
 */
export function scrubDeep<T>(value: T, secrets: Iterable<string | undefined>): T {
  return scrub(value, [...secrets], 0) as T;
}

/** Deeper than this, data is not ours (ours is a few levels deep): it is dropped, not walked. */
const MAX_DEPTH = 16;

function scrub(value: unknown, secrets: readonly (string | undefined)[], depth: number): unknown {
  if (typeof value === "string") return redactAll(value, secrets);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, secrets, depth + 1);
  return out;
}
