/**
 * A client's settings groups (`cache`, `breaker`, `retry`, `stream`, `resourceLimits`): the fields
 * each accepts, how each is checked, and its defaults from `DEFAULTS` (src/defaults.ts). The client's
 * own fields are read by src/ClientSpec.ts, which calls these.
 */
import { type Fields, int, join, num, objectOr, oneOf, rejectUnknownKeys } from "../supervisor/specFields.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { DEFAULTS } from "./defaults.js";
import { invalidArgument } from "./errors.js";
import type {
  BreakerSettings,
  CacheSettings,
  ClientSpec,
  Json,
  RetrySettings,
  StreamSettings,
} from "./types.js";

const CACHE_FIELDS: readonly (keyof CacheSettings)[] = ["maxEntries", "ttlMs", "maxPendingWrites", "store"];
const STORE_FIELDS = ["module", "options"];
const BREAKER_FIELDS: readonly (keyof BreakerSettings)[] = [
  "kind",
  "failures",
  "threshold",
  "durationMs",
  "minimumRps",
  "halfOpenAfterMs",
  "maxHalfOpenAfterMs",
];
const RETRY_FIELDS: readonly (keyof RetrySettings)[] = [
  "maxRetries",
  "initialDelayMs",
  "maxDelayMs",
  "maxRetryAfterMs",
];
const STREAM_FIELDS: readonly (keyof StreamSettings)[] = [
  "firstChunkTimeoutMs",
  "idleTimeoutMs",
  "highWaterMark",
];
const LIMIT_FIELDS = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "stackSizeMb"] as const;

/** `value` as the fields of a settings group, unknown keys refused. */
function group(value: unknown, known: readonly string[], path: string): Fields {
  const fields = objectOr(value, path);
  rejectUnknownKeys(fields, known, path);
  return fields;
}

export function resolveCache(cache: unknown, path: string): ResolvedClientSpec["cache"] {
  if (cache === false) return false;
  const c = group(cache, CACHE_FIELDS, path);
  const d = DEFAULTS.cache;
  const resolved: Exclude<ResolvedClientSpec["cache"], false> = {
    maxEntries: int(c.maxEntries, d.maxEntries, `${path}.maxEntries`, 1, 100_000_000),
    ttlMs: int(c.ttlMs, d.ttlMs, `${path}.ttlMs`, 1, 365 * 86_400_000),
    maxPendingWrites: int(c.maxPendingWrites, d.maxPendingWrites, `${path}.maxPendingWrites`, 0, 1_000_000),
  };
  if (c.store !== undefined) {
    const storePath = join(path, "store");
    const store = group(c.store, STORE_FIELDS, storePath);
    if (typeof store.module !== "string" || store.module.length === 0) {
      throw invalidArgument(`${storePath}.module`, "must be a module specifier");
    }
    // `options` belong to the store (any JSON value): their keys are not ours to check.
    resolved.store =
      store.options === undefined
        ? { module: store.module }
        : { module: store.module, options: store.options as Json };
  }
  return resolved;
}

export function resolveBreaker(breaker: unknown, path: string): ResolvedClientSpec["breaker"] {
  if (breaker === false) return false;
  const b = group(breaker, BREAKER_FIELDS, path);
  const d = DEFAULTS.breaker;
  const halfOpenAfterMs = int(b.halfOpenAfterMs, d.halfOpenAfterMs, `${path}.halfOpenAfterMs`, 1, 86_400_000);
  return {
    kind: oneOf(b.kind, ["consecutive", "sampling"] as const, d.kind, `${path}.kind`),
    failures: int(b.failures, d.failures, `${path}.failures`, 1, 1_000_000),
    threshold: num(b.threshold, d.threshold, `${path}.threshold`, 0.01, 1),
    durationMs: int(b.durationMs, d.durationMs, `${path}.durationMs`, 100, 86_400_000),
    minimumRps: num(b.minimumRps, d.minimumRps, `${path}.minimumRps`, 0, 1_000_000),
    halfOpenAfterMs,
    maxHalfOpenAfterMs: int(
      b.maxHalfOpenAfterMs,
      Math.max(d.maxHalfOpenAfterMs, halfOpenAfterMs),
      `${path}.maxHalfOpenAfterMs`,
      halfOpenAfterMs,
      86_400_000,
    ),
  };
}

export function resolveRetry(retry: unknown, path: string): Required<RetrySettings> {
  const r = group(retry, RETRY_FIELDS, path);
  const d = DEFAULTS.retry;
  const initialDelayMs = int(r.initialDelayMs, d.initialDelayMs, `${path}.initialDelayMs`, 0, 600_000);
  return {
    maxRetries: int(r.maxRetries, d.maxRetries, `${path}.maxRetries`, 0, 100),
    initialDelayMs,
    maxDelayMs: int(
      r.maxDelayMs,
      Math.max(d.maxDelayMs, initialDelayMs),
      `${path}.maxDelayMs`,
      initialDelayMs,
      600_000,
    ),
    maxRetryAfterMs: int(r.maxRetryAfterMs, d.maxRetryAfterMs, `${path}.maxRetryAfterMs`, 0, 86_400_000),
  };
}

export function resolveStream(stream: unknown, path: string): Required<StreamSettings> {
  const s = group(stream, STREAM_FIELDS, path);
  const d = DEFAULTS.stream;
  return {
    firstChunkTimeoutMs: int(
      s.firstChunkTimeoutMs,
      d.firstChunkTimeoutMs,
      `${path}.firstChunkTimeoutMs`,
      1,
      86_400_000,
    ),
    idleTimeoutMs: int(s.idleTimeoutMs, d.idleTimeoutMs, `${path}.idleTimeoutMs`, 1, 86_400_000),
    highWaterMark: int(s.highWaterMark, d.highWaterMark, `${path}.highWaterMark`, 1, 100_000),
  };
}

export function resolveLimits(limits: unknown, path: string): ClientSpec["resourceLimits"] {
  if (limits === undefined) return undefined;
  const l = group(limits, LIMIT_FIELDS, path);
  const out: NonNullable<ClientSpec["resourceLimits"]> = {};
  for (const key of LIMIT_FIELDS) {
    if (l[key] !== undefined) out[key] = num(l[key], 0, `${path}.${key}`, 1, 1_000_000);
  }
  return out;
}
