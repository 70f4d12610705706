/**
 * The `embedded` message of a finished `embed` and its transfer list. Every vector is copied once into
 * one `ArrayBuffer` (the cache keeps its own), the reply's vectors are `Float32Array` views over it,
 * and the buffer is listed for transfer: `postMessage` moves it to the main thread instead of copying
 * it (structured clone keeps the views on the moved buffer). One buffer for all the vectors makes one
 * transfer and one allocation however many inputs there are.
 */

import type { EmbedReply } from "../../src/embedTypes.js";
import type { CallMeta, FromWorker } from "../../src/protocol.js";

/** A message and the buffers to move with it. */
export interface Transferring {
  message: Extract<FromWorker, { type: "embedded" }>;
  transfer: ArrayBuffer[];
}

/** Packs `vectors` into one buffer and builds the message; see the module comment. */
export function embedReplyMessage(
  id: number,
  vectors: readonly Float32Array[],
  fields: Omit<EmbedReply, "vectors">,
  meta: CallMeta,
): Transferring {
  let length = 0;
  for (const v of vectors) length += v.length;
  const buffer = new ArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT);
  const views: Float32Array[] = new Array(vectors.length);
  let offset = 0;
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i] as Float32Array;
    const view = new Float32Array(buffer, offset * Float32Array.BYTES_PER_ELEMENT, v.length);
    view.set(v);
    views[i] = view;
    offset += v.length;
  }
  const reply: EmbedReply = { vectors: views, ...fields };
  return { message: { type: "embedded", id, reply, meta }, transfer: [buffer] };
}
