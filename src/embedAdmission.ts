/**
 * Admission of an `embed` on the caller's thread, as `validate.ts` does for calls: the inputs and the
 * options are checked and copied before anything reaches a worker, and a bad one rejects with
 * `ERR_INVALID_ARGUMENT` naming the field.
 *
 * - `inputs`: a non-empty array of non-empty strings (every vendor refuses an empty input: OpenAI with
 *   a 400, Gemini with an empty vector), copied, so later changes to the caller's array are not sent.
 * - Options: {@link EmbedParams} (part of each input's cache key) and {@link EmbedControls} (not).
 *   An unknown key is refused, naming the closest known one (`dimension` -> `dimensions`).
 */

import { closestName } from "../supervisor/specFields.js";
import type { EmbedControls, EmbedParams } from "./embedTypes.js";
import { DspexError, invalidArgument } from "./errors.js";
import { checkHeaders } from "./headers.js";
import { BadValue, copyJson, isPlainObject, unreadable } from "./snapshot.js";
import type { RouteTrace } from "./telemetry/RouteTrace.js";
import type { Json } from "./types.js";
import { integer, isAbortSignal } from "./validate.js";

/** The most inputs one `embed` takes (each is cached and keyed on its own; split into batches upstream). */
export const MAX_INPUTS = 1_000_000;

const CACHE_MODES = new Set(["use", "skip", "refresh"]);
const REDELIVERY = new Set(["unanswered", "never"]);

/** Every option `embed` accepts (the closest one is named for a typo). */
const EMBED_OPTION_KEYS = [
  "dimensions",
  "extra",
  "signal",
  "timeoutMs",
  "attemptTimeoutMs",
  "maxRetries",
  "cache",
  "redeliver",
  "headers",
  "batchSize",
] as const;

/** The checked copy of the caller's inputs; see the module comment. */
export function takeInputs(inputs: unknown): string[] {
  if (!Array.isArray(inputs)) throw invalidArgument("inputs", "must be an array of strings");
  const n = inputs.length;
  if (n === 0) throw invalidArgument("inputs", "must not be empty");
  if (n > MAX_INPUTS) throw invalidArgument("inputs", `must hold at most ${MAX_INPUTS} strings`);
  const out: string[] = new Array(n);
  let i = 0;
  try {
    for (; i < n; i++) {
      const input: unknown = inputs[i];
      if (typeof input !== "string") throw invalidArgument(`inputs[${i}]`, "must be a string");
      if (input === "")
        throw invalidArgument(`inputs[${i}]`, "must not be empty (vendors refuse an empty input)");
      out[i] = input;
    }
  } catch (error) {
    if (error instanceof DspexError) throw error;
    throw unreadable(error).toError(`inputs[${i}]`);
  }
  return out;
}

/** `embed`'s options split into what changes the vectors and what does not. */
export interface EmbedSplit {
  params: EmbedParams;
  /** `route`: set by a traced router for its members (see src/telemetry/RouteTrace.ts). */
  controls: EmbedControls & { route?: RouteTrace };
}

/** Validates `embed` options; see the module comment. */
export function splitEmbedOptions(options: unknown): EmbedSplit {
  const params: EmbedParams = {};
  const controls: EmbedControls = {};
  if (options === undefined || options === null) return { params, controls };
  if (!isPlainObject(options)) throw invalidArgument("options", "must be an object");
  let key = "";
  try {
    for (key in options) takeEmbedOption(params, controls, key, options[key]);
  } catch (error) {
    if (error instanceof DspexError) throw error;
    const bad = error instanceof BadValue ? error : unreadable(error);
    throw bad.toError(`options.${key}`);
  }
  return { params, controls };
}

function takeEmbedOption(params: EmbedParams, controls: EmbedControls, key: string, value: unknown): void {
  if (value === undefined) return;
  switch (key) {
    case "dimensions":
      params.dimensions = integer(value, "options.dimensions", 1, 65_536);
      return;
    case "extra":
      if (!isPlainObject(value)) throw invalidArgument("options.extra", "must be an object of JSON values");
      params.extra = copyJson(value, 0) as { [key: string]: Json };
      return;
    case "signal":
      if (!isAbortSignal(value)) throw invalidArgument("options.signal", "must be an AbortSignal");
      controls.signal = value;
      return;
    case "timeoutMs":
    case "attemptTimeoutMs":
      controls[key] = integer(value, `options.${key}`, 1, 86_400_000);
      return;
    case "maxRetries":
      controls.maxRetries = integer(value, "options.maxRetries", 0, 100);
      return;
    case "batchSize":
      controls.batchSize = integer(value, "options.batchSize", 1, 1_000_000);
      return;
    case "cache":
      if (typeof value !== "string" || !CACHE_MODES.has(value))
        throw invalidArgument("options.cache", 'must be "use", "skip" or "refresh"');
      controls.cache = value as EmbedControls["cache"] & string;
      return;
    case "redeliver":
      if (typeof value !== "string" || !REDELIVERY.has(value))
        throw invalidArgument("options.redeliver", 'must be "unanswered" or "never"');
      controls.redeliver = value as "unanswered" | "never";
      return;
    case "headers":
      controls.headers = checkHeaders(value, "options.headers", false);
      return;
    default: {
      const near = closestName(key, EMBED_OPTION_KEYS);
      throw invalidArgument(
        `options.${key}`,
        `is not an option of embed${near === undefined ? "" : ` (did you mean ${near}?)`}; provider-specific fields go in \`extra\``,
      );
    }
  }
}
