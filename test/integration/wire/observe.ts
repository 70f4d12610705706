/**
 * What a call or a stream actually produced, in the shape of a manifest's expectations, so the two can
 * be compared field by field (and `call` and `stream` compared with each other).
 */
import { DspexError } from "../../../src/errors.js";
import type { ReplyStream } from "../../../src/ReplyStream.js";
import type { Reply, StreamChunk } from "../../../src/types.js";

/** An observed outcome: the reply's fields, or the error's. */
export type Observed = Record<string, unknown>;

/** The reply fields the manifests speak of (`usage` details included when present). */
export function observeReply(reply: Reply | Record<string, unknown>): Observed {
  const r = reply as Record<string, unknown>;
  const out: Observed = { text: r.text, finishReason: r.finishReason, model: r.model };
  for (const key of ["id", "reasoning", "refusal", "toolCalls", "usage"]) {
    if (r[key] !== undefined) out[key] = r[key];
  }
  return out;
}

/** Tool calls as the manifest lists them: without `id` where the vendor sent none. */
export function alignToolCalls(observed: Observed, expected: { toolCalls?: { id?: string }[] }): Observed {
  const calls = observed.toolCalls as { id?: string; name: string; arguments: string }[] | undefined;
  if (calls === undefined || expected.toolCalls === undefined) return observed;
  const aligned = calls.map((call, i) => {
    if (expected.toolCalls?.[i]?.id !== undefined)
      return { id: call.id, name: call.name, arguments: call.arguments };
    return { name: call.name, arguments: call.arguments };
  });
  return { ...observed, toolCalls: aligned };
}

/** The error fields the manifests speak of. */
export function observeError(error: unknown): Observed {
  if (!(error instanceof DspexError)) return { error: { code: "not a DspexError", message: String(error) } };
  const e: Record<string, unknown> = { code: error.code };
  if (error.status !== undefined) e.status = error.status;
  if (error.upstreamCode !== undefined) e.upstreamCode = error.upstreamCode;
  return { error: e };
}

/** Drains a stream: the joined text and reasoning deltas, plus the last chunk's fields. */
export async function observeStream(stream: ReplyStream): Promise<{ observed: Observed; chunks: number }> {
  let text = "";
  let reasoning = "";
  let last: StreamChunk | undefined;
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      chunks++;
      text += chunk.text;
      const delta = (chunk as unknown as Record<string, unknown>).reasoning;
      if (typeof delta === "string") reasoning += delta;
      last = chunk;
    }
  } catch (error) {
    return { observed: { ...observeError(error), textBeforeError: text }, chunks };
  }
  const observed = observeReply({ ...(last as unknown as Record<string, unknown>), text });
  if (reasoning !== "") observed.reasoning = reasoning;
  else delete observed.reasoning;
  return { observed, chunks };
}
