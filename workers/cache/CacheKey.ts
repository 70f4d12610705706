/**
 * The cache key of a call: `dspex:v1:` + XXH64 (hex) of a canonical JSON serialization of everything
 * that changes the answer: provider, base URL, model, messages and generation parameters.
 *
 * - Canonical: object keys sorted at every depth, `undefined`-valued fields left out (as JSON does),
 *   so `{ temperature: undefined }` keys like `{}` and the caller's key order never matters.
 * - The base URL is in the key: two endpoints serving one model name never share entries.
 * - Nothing secret can enter: {@link CacheKeyInput} has no field for the API key, and call controls
 *   (signal, deadlines, retries, cache mode) are not generation parameters.
 *
 * Serialization is the cost (hashing is ~10x cheaper), so the serializer was chosen by measurement
 * (bench/micro/cache.ts): safe-stable-stringify in deterministic mode was the fastest of the stable
 * serializers tried, and faster than a hand-written recursive one, so no specialised serializer.
 */
import xxhash from "xxhash-wasm";
import type { GenerationParams, WireMessage } from "../../src/types.js";
import { requireCommonJs } from "../loadCommonJs.js";

/** safe-stable-stringify is CommonJS: loaded with `require` (see loadCommonJs.ts). */
const { configure } = requireCommonJs<typeof import("safe-stable-stringify")>("safe-stable-stringify");

/** Bumped whenever the serialized shape changes, so old entries in a shared store are never read. */
export const KEY_VERSION = 1;

/** Every key starts with this: readable in a shared store, and versioned. */
export const KEY_PREFIX = `dspex:v${KEY_VERSION}:`;

/** What a cache key is made of: exactly the things that change the answer. */
export type CacheKeyInput = {
  provider: string;
  baseURL: string;
  model: string;
  messages: WireMessage[];
  params: GenerationParams;
  /**
   * The answer-changing headers of the call (`anthropic-beta`: `src/headers.ts`), when it has any.
   * Absent, the key text is what it was before headers existed, so existing entries stay valid.
   */
  headers?: Record<string, string> | undefined;
};

/** Turns a call's answer-changing inputs into its cache key. Pure and synchronous. */
export type CacheKeyer = (input: CacheKeyInput) => string;

/**
 * Sorted keys at every depth; `undefined` fields skipped and non-finite numbers written `null` (as
 * `JSON.stringify` does). A cycle throws (`TypeError`) instead of becoming the text "[Circular]", which
 * two different cyclic inputs would share; such a request could not be sent upstream anyway.
 */
const canonicalJson = configure({ deterministic: true, circularValue: TypeError });

/** One xxhash-wasm instance per thread: instantiating the module costs ~2 ms. */
let hasher: ReturnType<typeof xxhash> | undefined;

/** Builds the keyer of this thread (the WebAssembly hasher is created once and shared). */
export async function createCacheKeyer(): Promise<CacheKeyer> {
  hasher ??= xxhash();
  const { h64ToString } = await hasher;
  return (input) => KEY_PREFIX + h64ToString(canonicalKeyText(input));
}

/** The canonical text a key hashes: exported for tests and benchmarks, never logged (it holds messages). */
export function canonicalKeyText(input: CacheKeyInput): string {
  // Rebuilt field by field so nothing but these six fields (and the version) can reach the key.
  // An object always serializes to a string (the `undefined` overload is for functions and symbols).
  return canonicalJson({
    v: KEY_VERSION,
    provider: input.provider,
    baseURL: input.baseURL,
    model: input.model,
    messages: input.messages,
    params: input.params,
    headers: input.headers,
  }) as string;
}

/**
 * Builds this thread's text hasher: `dspex:v1:` + XXH64 (hex) of a text. Embeddings key each input
 * with it (`workers/embed/EmbedKeys.ts`): one hash of a short text per input, no JSON per input.
 */
export async function createTextHasher(): Promise<(text: string) => string> {
  hasher ??= xxhash();
  const { h64ToString } = await hasher;
  return (text) => KEY_PREFIX + h64ToString(text);
}

/** The canonical JSON of a plain value (sorted keys at every depth), as keys use it. */
export function canonicalText(value: object): string {
  return canonicalJson(value) as string;
}
