/**
 * The reply's fields on stream chunks, in one place for the live path and the cache replay: the last
 * chunk of a stream carries everything a reply has besides its text and reasoning (which the chunks
 * carry as deltas); a cache hit is replayed as one chunk that carries all of it.
 */
import type { Reply, StreamChunk } from "../../src/types.js";
import type { StreamSummary } from "../providers/StreamDecoder.js";

/** Puts a finished stream's fields on its last chunk (not `reasoning`: chunks carry it as deltas). */
export function finishChunk(chunk: StreamChunk, summary: StreamSummary): void {
  chunk.finishReason = summary.finishReason;
  chunk.usage = summary.usage;
  chunk.model = summary.model;
  if (summary.toolCalls !== undefined) chunk.toolCalls = summary.toolCalls;
  if (summary.id !== undefined) chunk.id = summary.id;
  if (summary.refusal !== undefined) chunk.refusal = summary.refusal;
  if (summary.reasoningDetails !== undefined) chunk.reasoningDetails = summary.reasoningDetails;
  if (summary.logprobs !== undefined) chunk.logprobs = summary.logprobs;
}

/** A cached reply as the one chunk that replays it. */
export function replayChunk(hit: Reply): StreamChunk {
  const chunk: StreamChunk = { text: hit.text, cached: true };
  if (hit.reasoning !== undefined) chunk.reasoning = hit.reasoning;
  finishChunk(chunk, hit);
  return chunk;
}
