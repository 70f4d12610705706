/**
 * The mock's embedding vectors: deterministic, derived from the input text alone (and the length
 * asked for), so a test can compute the vector it expects for each input and check that the right
 * one came back in the right place. A 32-bit FNV-1a hash of the text seeds a xorshift32 generator;
 * its values in [-1, 1) are scaled to unit length (as real embedding models return them).
 */

/** Vector length when the request names none: OpenAI `text-embedding-3-small`'s. */
export const DEFAULT_DIMENSIONS = 1536;

/** The mock's vector for `text` with `dimensions` components; see the module comment. */
export function mockVector(text: string, dimensions: number = DEFAULT_DIMENSIONS): Float32Array {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    seed ^= text.charCodeAt(i);
    seed = Math.imul(seed, 0x01000193);
  }
  let state = seed >>> 0 || 1;
  const out = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const x = state / 0x80000000 - 1;
    out[i] = x;
    norm += x * x;
  }
  const scale = norm === 0 ? 1 : 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** A vector as OpenAI's `encoding_format: "base64"` writes it: its little-endian float32 bytes. */
export function vectorBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}
