/**
 * Reading a stream in a test: to its end, or until it throws; and the text its chunks carry.
 */
import type { ReplyStream } from "../../src/ReplyStream.js";
import type { StreamChunk } from "../../src/types.js";

/** Reads a stream to its end; returns its chunks. */
export async function collect(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Reads until the stream throws; returns the chunks read before and the error (fails if it ends). */
export async function collectError(stream: ReplyStream): Promise<{ chunks: StreamChunk[]; error: unknown }> {
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error(`the stream ended without an error after ${chunks.length} chunks`);
}

/** The chunks' texts, joined. */
export const joined = (chunks: StreamChunk[]): string => chunks.map((c) => c.text).join("");
