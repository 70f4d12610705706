/**
 * Admission at the proxy: a call is checked and taken as it is, on the caller's thread, before
 * anything reaches a worker. A bad call is rejected with `ERR_INVALID_ARGUMENT` naming the field.
 *
 * Messages and generation parameters must be JSON values: that is what the wire formats carry, and it
 * also guarantees they can cross a thread. They are copied in the same walk (see `snapshot.ts`), so the
 * caller may change its arrays right after `call()` returns, and data behind a `Proxy` is read through.
 */

import { DspexError, invalidArgument } from "./errors.js";
import { checkHeaders } from "./headers.js";
import { BadValue, below, copyJson, isPlainObject, unreadable } from "./snapshot.js";
import type { RouteTrace } from "./telemetry/RouteTrace.js";
import type {
  CallControls,
  CallOptions,
  GenerationParams,
  Json,
  Role,
  StreamOptions,
  WireMessage,
} from "./types.js";

const ROLES = new Set<Role>(["system", "developer", "user", "assistant", "tool"]);
const CACHE_MODES = new Set(["use", "skip", "refresh"]);
const REDELIVERY = new Set(["unanswered", "never"]);

/**
 * The caller's `messages` as a checked snapshot: a non-empty array of OpenAI-shaped chat messages made
 * of JSON values. Throws `ERR_INVALID_ARGUMENT` naming the field otherwise.
 */
export function takeMessages(messages: unknown): WireMessage[] {
  try {
    return copyMessages(messages);
  } catch (error) {
    throw invalid(error, "messages");
  }
}

function copyMessages(messages: unknown): WireMessage[] {
  if (!Array.isArray(messages)) throw new BadValue("must be an array of { role, content }");
  const n = messages.length;
  if (n === 0) throw new BadValue("must not be empty");
  const out: WireMessage[] = new Array(n);
  let i = 0;
  try {
    for (; i < n; i++) out[i] = copyMessage(messages[i]);
  } catch (error) {
    throw below(error, `[${i}]`);
  }
  return out;
}

function copyMessage(m: unknown): WireMessage {
  if (!isPlainObject(m)) throw new BadValue("must be an object { role, content }");
  let key = "role";
  try {
    const role = m.role;
    if (typeof role !== "string" || !ROLES.has(role as Role)) {
      throw new BadValue("must be one of system, developer, user, assistant, tool");
    }
    key = "content";
    let content = m.content;
    if (typeof content !== "string") {
      if (Array.isArray(content)) content = copyJson(content, 1);
      else if (!(content === null && role === "assistant"))
        throw new BadValue("must be a string or an array of content parts");
    }
    const out: WireMessage = { role: role as Role, content: content as WireMessage["content"] };
    for (key in m) {
      if (key === "role" || key === "content") continue;
      const v = m[key];
      if (v !== undefined) out[key] = copyJson(v, 1);
    }
    return out;
  } catch (error) {
    throw below(error, `.${key}`);
  }
}

/** What was thrown while taking `field` as a dspex error: dspex errors pass, the rest name the field. */
function invalid(error: unknown, field: string): DspexError {
  if (error instanceof DspexError) return error;
  return (error instanceof BadValue ? error : unreadable(error)).toError(field) as DspexError;
}

/** The options split into what changes the answer and what does not. */
export interface SplitOptions {
  params: GenerationParams;
  /** `route`: set by a traced router for its members (never by a caller; see src/telemetry/RouteTrace.ts). */
  controls: CallControls & { firstChunkTimeoutMs?: number; idleTimeoutMs?: number; route?: RouteTrace };
}

/** Validates `call`/`stream` options; unknown keys are errors (a typo must not pass silently). */
export function splitOptions(options: unknown, streaming = false): SplitOptions {
  const params: GenerationParams = {};
  const controls: SplitOptions["controls"] = {};
  if (options === undefined || options === null) return { params, controls };
  let key = "";
  try {
    if (!isPlainObject(options)) throw invalidArgument("options", "must be an object");
    for (key in options) takeOption(params, controls, key as OptionKey, options[key], streaming);
  } catch (error) {
    if (error instanceof DspexError || key === "") throw invalid(error, "options");
    throw invalid(below(error, `.${key}`), "options");
  }
  return { params, controls };
}

type OptionKey = keyof (CallOptions & StreamOptions);

/** Checks one option and copies it into `params` or `controls`. */
function takeOption(
  params: GenerationParams,
  controls: SplitOptions["controls"],
  key: OptionKey,
  value: unknown,
  streaming: boolean,
): void {
  if (value === undefined) return;
  switch (key) {
    case "temperature":
      params.temperature = number(value, "options.temperature", 0, 2);
      break;
    case "topP":
      params.topP = number(value, "options.topP", 0, 1);
      break;
    case "presencePenalty":
      params.presencePenalty = number(value, "options.presencePenalty", -2, 2);
      break;
    case "frequencyPenalty":
      params.frequencyPenalty = number(value, "options.frequencyPenalty", -2, 2);
      break;
    case "maxTokens":
      params.maxTokens = integer(value, "options.maxTokens", 1, 10_000_000);
      break;
    case "seed":
      params.seed = integer(value, "options.seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      break;
    case "stop":
      if (typeof value === "string") params.stop = value;
      else if (Array.isArray(value) && value.every((s) => typeof s === "string"))
        params.stop = [...(value as string[])];
      else throw invalidArgument("options.stop", "must be a string or an array of strings");
      break;
    case "responseFormat":
    case "extra":
      if (!isPlainObject(value)) throw invalidArgument(`options.${key}`, "must be an object of JSON values");
      params[key] = copyJson(value, 0) as { [key: string]: Json };
      break;
    case "tools":
      if (!Array.isArray(value)) throw invalidArgument("options.tools", "must be an array");
      params.tools = copyJson(value, 0) as Json[];
      break;
    case "toolChoice":
      params.toolChoice = copyJson(value, 0);
      break;
    case "n":
      params.n = integer(value, "options.n", 1, 128);
      break;
    case "logprobs":
      if (typeof value !== "boolean") throw invalidArgument("options.logprobs", "must be a boolean");
      params.logprobs = value;
      break;
    case "topLogprobs":
      params.topLogprobs = integer(value, "options.topLogprobs", 0, 20);
      break;
    case "headers":
      controls.headers = checkHeaders(value, "options.headers", false);
      break;
    case "signal":
      if (!isAbortSignal(value)) throw invalidArgument("options.signal", "must be an AbortSignal");
      controls.signal = value;
      break;
    case "redeliver":
      if (typeof value !== "string" || !REDELIVERY.has(value))
        throw invalidArgument("options.redeliver", 'must be "unanswered" or "never"');
      controls.redeliver = value as "unanswered" | "never";
      break;
    case "timeoutMs":
    case "attemptTimeoutMs":
      controls[key] = integer(value, `options.${key}`, 1, 86_400_000);
      break;
    case "firstChunkTimeoutMs":
    case "idleTimeoutMs":
      if (!streaming) throw invalidArgument(`options.${key}`, "applies to stream() only");
      controls[key] = integer(value, `options.${key}`, 1, 86_400_000);
      break;
    case "maxRetries":
      controls.maxRetries = integer(value, "options.maxRetries", 0, 100);
      break;
    case "cache":
      if (typeof value !== "string" || !CACHE_MODES.has(value)) {
        throw invalidArgument("options.cache", 'must be "use", "skip" or "refresh"');
      }
      controls.cache = value as CallControls["cache"] & string;
      break;
    default:
      throw invalidArgument(
        `options.${key}`,
        "is not a known option (provider-specific fields go in `extra`)",
      );
  }
}

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get;

/** A real `AbortSignal` (Node's brand check), not an object that only claims its prototype. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (!(value instanceof AbortSignal) || abortedGetter === undefined) return false;
  try {
    abortedGetter.call(value);
    return true;
  } catch {
    return false;
  }
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(field, `must be a number from ${min} to ${max}`);
  }
  return value;
}

/** `value` as an integer in `[min, max]`, else `ERR_INVALID_ARGUMENT` naming `field`. */
export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}
