/**
 * Vectors as vendors write them in JSON: an array of numbers, or (OpenAI's `encoding_format:
 * "base64"`, which the official SDKs ask for by default) the little-endian float32 bytes in base64,
 * about a quarter of the text and no number parsing. Both become a `Float32Array` of its own buffer.
 */
import { BadResponseError } from "../../src/errors.js";

/**
 * A vector from its JSON form (a base64 string only when `base64` is allowed: OpenAI's); throws
 * `BadResponseError` naming `where` for anything else, an empty vector included.
 */
export function vectorOf(value: unknown, where: string, base64 = true): Float32Array {
  if (typeof value === "string" && base64) return fromBase64(value, where);
  if (!Array.isArray(value) || value.length === 0) throw notVector(where);
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== "number") throw notVector(where);
    out[i] = x;
  }
  return out;
}

function fromBase64(text: string, where: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) throw notVector(where);
  // Copied into a buffer of its own: a decoded Buffer may sit at any offset of a shared pool.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function notVector(where: string): BadResponseError {
  return new BadResponseError({
    code: "ERR_BAD_RESPONSE",
    message: `not an embeddings answer: ${where} is not a vector (an array of numbers or base64 float32)`,
  });
}
