/**
 * Readers for plain-data specs: each checks one field, names it by its path (`children[1].maxRestarts`)
 * when it is wrong, and returns the default when it is absent. Every node type of the tree (the
 * supervisor's own, and those registered beside it, such as clients) reads its fields with these.
 */
import { invalidArgument } from "../src/errors.js";

/** The fields of a spec object, any of which may be absent. */
export type Fields = Readonly<Record<string, unknown>>;

/** True for a non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` as fields; `{}` when absent; `ERR_INVALID_ARGUMENT` when not an object. */
export function objectOr(value: unknown, path: string): Fields {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalidArgument(path, "must be an object");
  return value;
}

/**
 * Refuses a key of `fields` that is not in `known`, naming the closest known one: a typo
 * (`maxConcurency`) must not pass silently as "not set".
 */
export function rejectUnknownKeys(fields: Fields, known: readonly string[], path: string): void {
  for (const key of Object.keys(fields)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    const hint = near === undefined ? "" : ` (did you mean ${near}?)`;
    throw invalidArgument(join(path, key), `is not a known field${hint}`);
  }
}

/** `path.key`, or `key` at the top. */
export function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** One of `allowed`; `fallback` when absent (required when `fallback` is undefined). */
export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T | undefined,
  path: string,
): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(
    path,
    `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${show(value)}`,
  );
}

/** An integer in [min, max]; `fallback` when absent. */
export function int(value: unknown, fallback: number, path: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(path, `must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** A finite number in [min, max]; `fallback` when absent. */
export function num(value: unknown, fallback: number, path: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(path, `must be a number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** A short, secret-free rendering of a bad value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/** The name in `names` nearest to `name` by edit distance (case ignored); `undefined` if `names` is empty. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const candidate of names) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; names are short, so the O(n·m) table is cheap. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
