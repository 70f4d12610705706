/**
 * Validation at the proxy: a bad call is rejected on the caller's thread with `ERR_INVALID_ARGUMENT`
 * naming the field, before anything reaches a worker.
 *
 * Messages and generation parameters must be JSON values: that is what the wire formats carry, and it
 * also guarantees they can cross a thread (functions, symbols, class instances, cycles cannot).
 */
import { invalidArgument } from "./errors.js";
import { checkHeaders } from "./headers.js";
import type {
  CallControls,
  CallOptions,
  GenerationParams,
  Role,
  StreamOptions,
  WireMessage,
} from "./types.js";

const ROLES = new Set<Role>(["system", "developer", "user", "assistant", "tool"]);
const CACHE_MODES = new Set(["use", "skip", "refresh"]);
/** Deeper than this is almost certainly a cycle or an accident, and would be slow to clone. */
const MAX_DEPTH = 64;

/** Throws unless `messages` is a non-empty array of OpenAI-shaped chat messages made of JSON values. */
export function validateMessages(messages: unknown): asserts messages is WireMessage[] {
  if (!Array.isArray(messages)) throw invalidArgument("messages", "must be an array of { role, content }");
  if (messages.length === 0) throw invalidArgument("messages", "must not be empty");
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isPlainObject(m)) throw invalidArgument(`messages[${i}]`, "must be an object { role, content }");
    const role = m.role;
    if (typeof role !== "string" || !ROLES.has(role as Role)) {
      throw invalidArgument(`messages[${i}].role`, "must be one of system, developer, user, assistant, tool");
    }
    const content = m.content;
    if (typeof content !== "string") {
      if (Array.isArray(content)) {
        checkJson(content, `messages[${i}].content`, 1);
      } else if (!(content === null && role === "assistant")) {
        throw invalidArgument(`messages[${i}].content`, "must be a string or an array of content parts");
      }
    }
    for (const key in m) {
      if (key === "role" || key === "content") continue;
      checkJson(m[key], `messages[${i}].${key}`, 1);
    }
  }
}

/** The options split into what changes the answer and what does not. */
export interface SplitOptions {
  params: GenerationParams;
  controls: CallControls & { firstChunkTimeoutMs?: number; idleTimeoutMs?: number };
}

/** Validates `call`/`stream` options; unknown keys are errors (a typo must not pass silently). */
export function splitOptions(options: unknown, streaming = false): SplitOptions {
  const params: GenerationParams = {};
  const controls: SplitOptions["controls"] = {};
  if (options === undefined || options === null) return { params, controls };
  if (!isPlainObject(options)) throw invalidArgument("options", "must be an object");
  const o = options as CallOptions & StreamOptions;
  for (const key in o) {
    const value = (o as Record<string, unknown>)[key];
    if (value === undefined) continue;
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
        else if (Array.isArray(value) && value.every((s) => typeof s === "string")) params.stop = [...value];
        else throw invalidArgument("options.stop", "must be a string or an array of strings");
        break;
      case "responseFormat":
      case "extra":
        if (!isPlainObject(value))
          throw invalidArgument(`options.${key}`, "must be an object of JSON values");
        checkJson(value, `options.${key}`, 0);
        params[key] = value as never;
        break;
      case "tools":
        if (!Array.isArray(value)) throw invalidArgument("options.tools", "must be an array");
        checkJson(value, "options.tools", 0);
        params.tools = value;
        break;
      case "toolChoice":
        checkJson(value, "options.toolChoice", 0);
        params.toolChoice = value as never;
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
        if (!(value instanceof AbortSignal))
          throw invalidArgument("options.signal", "must be an AbortSignal");
        controls.signal = value;
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
  return { params, controls };
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(field, `must be a number from ${min} to ${max}`);
  }
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Throws unless `value` is made only of JSON values (plain objects, arrays, strings, finite numbers, booleans, null). */
function checkJson(value: unknown, field: string, depth: number): void {
  if (value === null) return;
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw invalidArgument(field, "must be a finite number");
      return;
    case "object": {
      if (depth > MAX_DEPTH)
        throw invalidArgument(field, `is nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJson(value[i], `${field}[${i}]`, depth + 1);
        return;
      }
      if (!isPlainObject(value))
        throw invalidArgument(field, "must be a plain JSON object (it cannot cross a thread)");
      for (const key in value) {
        const v = value[key];
        if (v !== undefined) checkJson(v, `${field}.${key}`, depth + 1);
      }
      return;
    }
    default:
      throw invalidArgument(
        field,
        `is a ${typeof value}, which is not a JSON value and cannot cross a thread`,
      );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
