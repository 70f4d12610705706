/**
 * The wire form of a call: the admission snapshot of its messages and parameters, with the client's
 * defaults applied to what the caller left out, and its deadline fixed as an absolute time so that
 * a redelivered call keeps the deadline it was admitted with.
 */

import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { RequestControls } from "./callOptions.js";
import type { EmbedSplit } from "./embedAdmission.js";
import type { WireEmbedRequest, WireRequest } from "./protocol.js";
import type { WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";

/** What a call and an `embed` carry alike: the caller's controls, the client's defaults filled in. */
type WireControls = Pick<WireRequest, "deadline" | "attemptTimeoutMs" | "maxRetries" | "cache" | "headers">;

/** The controls of a request to the client `spec`, as they cross (see the module comment). */
function wireControls(spec: ResolvedClientSpec, controls: RequestControls): WireControls {
  const wire: WireControls = {
    deadline: Date.now() + (controls.timeoutMs ?? spec.timeoutMs),
    attemptTimeoutMs: controls.attemptTimeoutMs ?? spec.attemptTimeoutMs,
    maxRetries: controls.maxRetries ?? spec.retry.maxRetries,
    cache: controls.cache ?? "use",
  };
  if (controls.headers !== undefined) wire.headers = controls.headers;
  return wire;
}

/** Builds the wire request of a call to the client `spec` (see the module comment). */
export function wireRequest(
  spec: ResolvedClientSpec,
  messages: WireMessage[],
  { params, controls }: SplitOptions,
): WireRequest {
  return { messages, params, ...wireControls(spec, controls) };
}

/** Builds the wire request of an `embed` to the client `spec`, with the same defaults as a call's. */
export function wireEmbedRequest(
  spec: ResolvedClientSpec,
  inputs: string[],
  { params, controls }: EmbedSplit,
): WireEmbedRequest {
  const request: WireEmbedRequest = { inputs, params, ...wireControls(spec, controls) };
  if (controls.batchSize !== undefined) request.batchSize = controls.batchSize;
  return request;
}
