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

/**
 * Fills `wire`'s controls for a request to the client `spec` (see the module comment). It writes into
 * the request's own literal rather than returning an object to spread: this runs once per call, and
 * spreading a returned object took ~155 ns against ~75 ns for this (5 million builds, Node 20).
 */
function fillControls(wire: WireControls, spec: ResolvedClientSpec, controls: RequestControls): void {
  wire.deadline = Date.now() + (controls.timeoutMs ?? spec.timeoutMs);
  wire.attemptTimeoutMs = controls.attemptTimeoutMs ?? spec.attemptTimeoutMs;
  wire.maxRetries = controls.maxRetries ?? spec.retry.maxRetries;
  wire.cache = controls.cache ?? "use";
  if (controls.headers !== undefined) wire.headers = controls.headers;
}

/** Builds the wire request of a call to the client `spec` (see the module comment). */
export function wireRequest(
  spec: ResolvedClientSpec,
  messages: WireMessage[],
  { params, controls }: SplitOptions,
): WireRequest {
  const request: WireRequest = {
    messages,
    params,
    deadline: 0,
    attemptTimeoutMs: 0,
    maxRetries: 0,
    cache: "use",
  };
  fillControls(request, spec, controls);
  return request;
}

/** Builds the wire request of an `embed` to the client `spec`, with the same defaults as a call's. */
export function wireEmbedRequest(
  spec: ResolvedClientSpec,
  inputs: string[],
  { params, controls }: EmbedSplit,
): WireEmbedRequest {
  const request: WireEmbedRequest = {
    inputs,
    params,
    deadline: 0,
    attemptTimeoutMs: 0,
    maxRetries: 0,
    cache: "use",
  };
  fillControls(request, spec, controls);
  if (controls.batchSize !== undefined) request.batchSize = controls.batchSize;
  return request;
}
