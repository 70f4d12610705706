/**
 * The snapshot a call is taken as: a copy of the caller's messages and JSON options made at `call()`
 * time, checked in the same walk.
 *
 * - What the caller passed is what is sent: later changes to its arrays and objects are not seen
 *   (`system.call("m", history); history.push(next)` does not send `next`).
 * - Plain data seen through a `Proxy` (Vue `reactive`, MobX observables, immer drafts) is read through
 *   its traps and copied as the plain data it shows, so it crosses the thread boundary.
 * - Anything that cannot be carried (a function, a symbol, a class instance, a non-finite number, a
 *   getter or trap that throws, a revoked proxy, nesting past {@link MAX_DEPTH}) throws
 *   `ERR_INVALID_ARGUMENT` naming the field. A snapshot therefore always survives `postMessage`.
 *
 * The path of a bad field is built only when one is found: the walk carries no strings.
 * Why a walk of our own and not `structuredClone` or posting at once: docs/decisions.md.
 */
import { invalidArgument } from "./errors.js";
import type { Json } from "./types.js";

/** Deeper than this is almost certainly a cycle or an accident, and would be slow to copy. */
export const MAX_DEPTH = 64;

/** A bad value found below the top: the path is collected while the walk unwinds. */
export class BadValue {
  /** Path segments from the bad value up (`.key` or `[i]`). */
  readonly path: string[] = [];
  constructor(
    readonly reason: string,
    readonly cause?: unknown,
  ) {}

  /** The `ERR_INVALID_ARGUMENT` for a bad value under `field`. */
  toError(field: string): Error {
    const error = invalidArgument(field + this.path.reverse().join(""), this.reason);
    if (this.cause !== undefined) Object.defineProperty(error, "cause", { value: this.cause });
    return error;
  }
}

/** True for an object whose prototype is `Object.prototype` or `null` (read through a Proxy's trap). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` made only of JSON values (keys whose value is `undefined` are left out); throws
 * {@link BadValue} for anything else. `depth` is the nesting of `value` (0 at the top).
 */
export function copyJson(value: unknown, depth: number): Json {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new BadValue("must be a finite number");
      return value;
    case "object":
      if (depth >= MAX_DEPTH) throw new BadValue(`is nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      return Array.isArray(value) ? copyArray(value, depth) : copyObject(value, depth);
    default:
      throw new BadValue(`is a ${typeof value}, which is not a JSON value and cannot cross a thread`);
  }
}

function copyArray(value: unknown[], depth: number): Json[] {
  const n = value.length;
  const out: Json[] = new Array(n);
  let i = 0;
  try {
    for (; i < n; i++) out[i] = copyJson(value[i], depth + 1);
  } catch (error) {
    throw below(error, `[${i}]`);
  }
  return out;
}

function copyObject(value: object, depth: number): { [key: string]: Json } {
  if (!isPlainObject(value)) throw new BadValue("must be a plain JSON object (it cannot cross a thread)");
  const out: { [key: string]: Json } = {};
  let key = "";
  try {
    for (key in value) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = copyJson(v, depth + 1);
    }
  } catch (error) {
    throw below(error, `.${key}`);
  }
  return out;
}

/** Adds one path segment to a bad value found below; anything else thrown (a trap, a getter) becomes one. */
export function below(error: unknown, segment: string): BadValue {
  const bad = error instanceof BadValue ? error : unreadable(error);
  bad.path.push(segment);
  return bad;
}

/** A value whose reading threw (a getter, a Proxy trap, a revoked Proxy). */
export function unreadable(error: unknown): BadValue {
  const why = error instanceof Error ? error.message : String(error);
  return new BadValue(`could not be read (${why})`, error);
}

/**
 * Runs `read` (which reads a caller's value under `field`) and turns whatever it throws into
 * `ERR_INVALID_ARGUMENT` naming the field: a thrown `BadValue` with its path, a dspex error as it is,
 * anything else (a trap, a getter) as unreadable.
 */
export function readField<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BadValue) throw error.toError(field);
    if (typeof error === "object" && error !== null && "code" in error && error instanceof Error) throw error;
    throw unreadable(error).toError(field);
  }
}
