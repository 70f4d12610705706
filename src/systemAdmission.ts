/**
 * Admission at the system's door, for `call`, `stream` and `embed` alike: the target by name (a
 * client or a router), the system's state, and the snapshot of what the caller passed (src/validate.ts,
 * src/embedAdmission.ts). Each function throws the error the caller gets; {@link admissionError}
 * turns whatever was thrown into that typed error.
 */
import type { CallerStack } from "./CallerStack.js";
import { ClientProxy } from "./ClientProxy.js";
import { type EmbedSplit, splitEmbedOptions, takeInputs } from "./embedAdmission.js";
import { DspexError, dspexError, invalidArgument } from "./errors.js";
import type { WireMessage } from "./messages.js";
import type { Router } from "./router/Router.js";
import type { SystemState } from "./System.js";
import type { SystemNodes } from "./SystemNodes.js";
import { type SplitOptions, splitOptions, takeMessages } from "./validate.js";

/** A call or stream admitted: its client and the snapshot of what the caller passed. */
export interface Admitted {
  proxy: ClientProxy;
  messages: WireMessage[];
  options: SplitOptions;
}

/** A call or stream admitted to a router: the router and the snapshot of what the caller passed. */
export interface Routed {
  router: Router;
  messages: WireMessage[];
  options: SplitOptions;
}

/** An `embed` admitted: its client or router, the inputs taken, and the options split. */
export interface AdmittedEmbed {
  target: ClientProxy | Router;
  inputs: string[];
  options: EmbedSplit;
}

/**
 * What `call` and `stream` share: the client by name, the system's state, and the snapshot of
 * `messages` and `options`.
 */
export function admit(
  nodes: SystemNodes,
  state: SystemState,
  name: unknown,
  messages: unknown,
  options: unknown,
  streaming: boolean,
): Admitted | Routed {
  if (typeof name !== "string") throw invalidArgument("name", "must be a client's name (a string)");
  const proxy = nodes.proxies.get(name);
  if (proxy === undefined) {
    const router = nodes.routers.get(name);
    if (router === undefined) throw nodes.unknown(name);
    if (state !== "running") throw notRunning(name, state);
    return { router, messages: takeMessages(messages), options: splitOptions(options, streaming) };
  }
  if (state !== "running") throw notRunning(name, state);
  return { proxy, messages: takeMessages(messages), options: splitOptions(options, streaming) };
}

/** `embed`'s admission: as {@link admit}, and a client whose vendor has no embeddings API is refused. */
export function admitEmbed(
  nodes: SystemNodes,
  state: SystemState,
  name: unknown,
  inputs: unknown,
  options: unknown,
): AdmittedEmbed {
  if (typeof name !== "string") throw invalidArgument("name", "must be a client's name (a string)");
  const found = nodes.proxies.get(name) ?? nodes.routers.get(name);
  if (found === undefined) throw nodes.unknown(name);
  if (state !== "running") throw notRunning(name, state);
  if (found instanceof ClientProxy && found.spec.provider === "anthropic")
    throw invalidArgument("name", `client "${name}" speaks anthropic, which has no embeddings API`);
  return { target: found, inputs: takeInputs(inputs), options: splitEmbedOptions(options) };
}

/** Whatever admission threw, as a typed error with the caller's stack. */
export function admissionError(error: unknown, stack: CallerStack | undefined): DspexError {
  const typed =
    error instanceof DspexError
      ? error
      : dspexError("ERR_INVALID_ARGUMENT", "the call's arguments could not be read", undefined, {
          cause: error,
        });
  stack?.applyTo(typed);
  return typed;
}

/** The error of a request made while the system is not running: failed, or stopping and stopped. */
export function notRunning(name: string, state: SystemState): DspexError {
  if (state === "failed") {
    return dspexError("ERR_CLIENT_UNAVAILABLE", "the system failed: its root supervisor gave up", {
      client: name,
    });
  }
  return dspexError("ERR_SYSTEM_STOPPED", "the system is stopping or stopped", { client: name });
}
