/**
 * User-supplied HTTP headers (the client spec's `headers`, a call's `headers`) and query parameters:
 * their validation, and which of them change the answer.
 *
 * - Names must be HTTP tokens and values single-line text (undici would refuse them later, as a
 *   confusing failure of one attempt).
 * - Framing headers (`content-type`, `content-length`, `host`, `connection`, `transfer-encoding`, ...)
 *   are ours: the body is JSON we build.
 * - The credential header (`authorization`, `x-api-key`, `api-key`, `x-goog-api-key`) comes from the
 *   client's `apiKey`. A call may never set it, and a client may set it only when it has no `apiKey`
 *   (a proxy with its own scheme): then it is the client's credential, never an accident.
 * - Cache key: headers do not change what a model answers, so they are left out, with the exceptions
 *   in {@link ANSWER_HEADERS} (`anthropic-beta` turns features on: structured outputs, longer
 *   outputs, new tools). `OpenAI-Organization`, `OpenAI-Project`, tracing and proxy headers are not.
 */
import { invalidArgument } from "./errors.js";

/** Headers that carry a credential, on any provider. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
]);

/** Headers that describe the request's framing: set by dspex only. */
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "proxy-connection",
]);

/** Headers that change the answer, and so are part of the cache key (lower-case names). */
export const ANSWER_HEADERS: ReadonlySet<string> = new Set(["anthropic-beta"]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/**
 * Validates a headers object and returns a copy with lower-case names. `credentialAllowed`: whether
 * it may name the credential header (see the module comment). Throws `ERR_INVALID_ARGUMENT`.
 */
export function checkHeaders(
  value: unknown,
  field: string,
  credentialAllowed: boolean,
): Record<string, string> {
  if (!isPlainObject(value)) throw invalidArgument(field, "must be an object of header names to text values");
  const out: Record<string, string> = {};
  for (const name in value) {
    const v = value[name];
    if (v === undefined) continue;
    if (!TOKEN.test(name)) throw invalidArgument(`${field}.${name}`, "is not a valid HTTP header name");
    if (typeof v !== "string" || BAD_VALUE.test(v)) {
      throw invalidArgument(`${field}.${name}`, "must be a single line of text");
    }
    const lower = name.toLowerCase();
    if (FRAMING_HEADERS.has(lower))
      throw invalidArgument(`${field}.${name}`, "is set by dspex, not by callers");
    if (CREDENTIAL_HEADERS.has(lower) && !credentialAllowed) {
      throw invalidArgument(
        `${field}.${name}`,
        "carries the credential, which comes from the client's apiKey (set the header on a client without apiKey instead)",
      );
    }
    out[lower] = v;
  }
  return out;
}

/** Validates a query-parameters object (text values); returns a copy. Throws `ERR_INVALID_ARGUMENT`. */
export function checkQuery(value: unknown, field: string): Record<string, string> {
  if (!isPlainObject(value))
    throw invalidArgument(field, "must be an object of parameter names to text values");
  const out: Record<string, string> = {};
  for (const name in value) {
    const v = value[name];
    if (v === undefined) continue;
    if (typeof v !== "string") throw invalidArgument(`${field}.${name}`, "must be text");
    out[name] = v;
  }
  return out;
}

/**
 * The answer-changing headers of a call (the client's, overridden by the call's), or `undefined`
 * when there are none: what the cache key adds. Both inputs have lower-case names.
 */
export function answerHeaders(
  client: Record<string, string> | undefined,
  call: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (client === undefined && call === undefined) return undefined;
  let out: Record<string, string> | undefined;
  for (const source of [client, call]) {
    if (source === undefined) continue;
    for (const name of ANSWER_HEADERS) {
      const v = source[name];
      if (v === undefined) continue;
      out ??= {};
      out[name] = v;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
