/**
 * How one input's vector is kept in an external cache store: `{ m: model, v: base64 }`, where `v` is
 * the Float32Array's bytes (little-endian, as Node and every machine it runs on keeps them) in base64.
 * For a 1,536-dimension vector that is 8,192 characters against ~30,000 for the numbers as JSON, and
 * decoding is one base64 pass instead of parsing 1,536 numbers (docs/decisions.md, "Embeddings in an
 * external store"). The vector read back is exactly the one stored (no decimal round trip).
 */
import type { CachedVector } from "./VectorCache.js";

/** The stored form of one {@link CachedVector}. */
export interface VectorEntry {
  /** The model that made the vector. */
  readonly m: string;
  /** The vector's bytes in base64. */
  readonly v: string;
}

/** The stored form of `entry`. */
export function encodeVector(entry: CachedVector): VectorEntry {
  const { vector } = entry;
  return {
    m: entry.model,
    v: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64"),
  };
}

/**
 * The vector of a stored entry, in a buffer of its own; `undefined` when `value` is not an entry this
 * module wrote (entries of a shared store may come from anyone).
 */
export function decodeVector(value: unknown): CachedVector | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { m, v } = value as Record<string, unknown>;
  if (typeof m !== "string" || typeof v !== "string" || v.length === 0) return undefined;
  const bytes = Buffer.from(v, "base64");
  // Buffer.from skips characters outside the alphabet: a re-encode that differs means it was not base64.
  if (bytes.length === 0 || bytes.length % 4 !== 0 || bytes.toString("base64") !== v) return undefined;
  // A copy into a fresh ArrayBuffer: Buffer.from may hand out a slice of its shared pool, unaligned.
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return { vector, model: m };
}
