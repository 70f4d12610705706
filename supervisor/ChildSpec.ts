/**
 * Child specs: plain data, validated once at the edge, with every default in one place.
 *
 * `resolveSystemSpec` turns what the user wrote into a fully defaulted tree, or throws
 * `ERR_INVALID_ARGUMENT` naming the bad field (`children[1].maxRestarts`), before any thread starts.
 *
 * | field | default | meaning |
 * | --- | --- | --- |
 * | strategy | `one_for_one` | which siblings restart with a dead child |
 * | maxRestarts / withinMs | 3 / 5,000 | restart intensity: more restarts than this in the window = give up |
 * | restart | `permanent` | `transient`: not after a normal exit; `temporary`: never |
 * | maxConcurrency | 64 | upstream requests in flight per client |
 * | maxQueue | 1,024 | calls waiting beyond that, then `ERR_QUEUE_FULL` |
 * | maxRedeliveries | 2 | deliveries of an unanswered call to restarted workers, then `ERR_WORKER_CRASHED` |
 * | timeoutMs / attemptTimeoutMs | 60,000 / 30,000 | call and attempt deadlines |
 * | shutdownTimeoutMs | 5,000 | graceful stop before the thread is terminated |
 * | maxResponseBytes | 32 MiB | longest upstream answer read (a stream's bytes in total); error bodies 64 KiB at most |
 */
import { invalidArgument } from "../src/errors.js";
import type {
  BreakerSettings,
  CacheSettings,
  ClientSpec,
  Json,
  ProviderName,
  RestartType,
  RetrySettings,
  Strategy,
  StreamSettings,
  SupervisorSpec,
  SystemSpec,
} from "../src/types.js";

/** Every default of the tree, in one constant. */
export const DEFAULTS = {
  supervisor: {
    strategy: "one_for_one" as Strategy,
    maxRestarts: 3,
    withinMs: 5_000,
    restart: "permanent" as RestartType,
  },
  client: {
    restart: "permanent" as RestartType,
    maxConcurrency: 64,
    maxQueue: 1_024,
    maxRedeliveries: 2,
    timeoutMs: 60_000,
    attemptTimeoutMs: 30_000,
    shutdownTimeoutMs: 5_000,
    defaultMaxTokens: 4_096,
    /** Longest upstream answer read (a call's body; a stream's bytes in total): 32 MiB. */
    maxResponseBytes: 32 * 1024 * 1024,
    /** Longest error (non-2xx) body read, whatever `maxResponseBytes` says when it is larger: 64 KiB. */
    maxErrorBodyBytes: 64 * 1024,
  },
  baseURL: {
    openai: "https://api.openai.com/v1",
    anthropic: "https://api.anthropic.com/v1",
  } as Record<ProviderName, string>,
  cache: { maxEntries: 1_000, ttlMs: 3_600_000, maxPendingWrites: 256 },
  breaker: {
    kind: "consecutive" as "consecutive" | "sampling",
    failures: 5,
    threshold: 0.5,
    durationMs: 10_000,
    minimumRps: 5,
    halfOpenAfterMs: 5_000,
    maxHalfOpenAfterMs: 60_000,
  },
  retry: { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 },
  stream: { firstChunkTimeoutMs: 30_000, idleTimeoutMs: 30_000, highWaterMark: 64 },
} as const;

/** A client spec with every default filled in. */
export interface ResolvedClientSpec {
  type: "client";
  name: string;
  provider: ProviderName;
  model: string;
  apiKey: string | undefined;
  baseURL: string;
  restart: RestartType;
  maxConcurrency: number;
  maxQueue: number;
  maxRedeliveries: number;
  timeoutMs: number;
  attemptTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Longest upstream answer read, in bytes. */
  maxResponseBytes: number;
  /** Longest error body read: `min(DEFAULTS.client.maxErrorBodyBytes, maxResponseBytes)`; not a setting. */
  maxErrorBodyBytes: number;
  cache: (Required<Omit<CacheSettings, "store">> & { store?: { module: string; options?: Json } }) | false;
  breaker: Required<BreakerSettings> | false;
  retry: Required<RetrySettings>;
  stream: Required<StreamSettings>;
  defaultMaxTokens: number;
  resourceLimits: ClientSpec["resourceLimits"];
}

/** A supervisor spec with every default filled in. */
export interface ResolvedSupervisorSpec {
  type: "supervisor";
  name: string;
  strategy: Strategy;
  maxRestarts: number;
  withinMs: number;
  restart: RestartType;
  children: ResolvedChildSpec[];
}

/** A resolved child. */
export type ResolvedChildSpec = ResolvedClientSpec | ResolvedSupervisorSpec;

const STRATEGIES: readonly Strategy[] = ["one_for_one", "one_for_all", "rest_for_one"];
const RESTARTS: readonly RestartType[] = ["permanent", "transient", "temporary"];
const PROVIDERS: readonly ProviderName[] = ["openai", "anthropic"];
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Validates and defaults a whole tree; throws `ERR_INVALID_ARGUMENT` naming the first bad field. */
export function resolveSystemSpec(spec: SystemSpec): ResolvedSupervisorSpec {
  if (!isObject(spec)) throw invalidArgument("spec", "must be an object");
  const names = new Set<string>();
  return resolveSupervisor({ ...spec, type: "supervisor", name: spec.name ?? "root" }, "spec", names);
}

function resolveSupervisor(spec: SupervisorSpec, path: string, names: Set<string>): ResolvedSupervisorSpec {
  const d = DEFAULTS.supervisor;
  const name = nodeName(spec.name, `${path}.name`, names);
  const children = spec.children as unknown;
  if (!Array.isArray(children)) throw invalidArgument(`${path}.children`, "must be an array");
  return {
    type: "supervisor",
    name,
    strategy: oneOf(spec.strategy, STRATEGIES, d.strategy, `${path}.strategy`),
    maxRestarts: int(spec.maxRestarts, d.maxRestarts, `${path}.maxRestarts`, 0, 1_000_000),
    withinMs: int(spec.withinMs, d.withinMs, `${path}.withinMs`, 1, 86_400_000),
    restart: oneOf(spec.restart, RESTARTS, d.restart, `${path}.restart`),
    children: children.map((child: unknown, i) =>
      resolveChild(child, `${path === "spec" ? "" : `${path}.`}children[${i}]`, names),
    ),
  };
}

function resolveChild(child: unknown, path: string, names: Set<string>): ResolvedChildSpec {
  if (!isObject(child)) throw invalidArgument(path, "must be an object");
  const type = child.type ?? "client";
  if (type === "supervisor") return resolveSupervisor(child as unknown as SupervisorSpec, path, names);
  if (type !== "client")
    throw invalidArgument(`${path}.type`, `must be "client" or "supervisor", got ${show(type)}`);
  return resolveClient(child as unknown as ClientSpec, path, names);
}

function resolveClient(spec: ClientSpec, path: string, names: Set<string>): ResolvedClientSpec {
  const d = DEFAULTS.client;
  const name = nodeName(spec.name, `${path}.name`, names);
  const provider = oneOf(spec.provider, PROVIDERS, undefined, `${path}.provider`);
  if (typeof spec.model !== "string" || spec.model.length === 0) {
    throw invalidArgument(`${path}.model`, "must be a non-empty string");
  }
  if (spec.apiKey !== undefined && typeof spec.apiKey !== "string") {
    throw invalidArgument(`${path}.apiKey`, "must be a string");
  }
  const maxResponseBytes = int(
    spec.maxResponseBytes,
    d.maxResponseBytes,
    `${path}.maxResponseBytes`,
    1_024,
    // Below V8's longest string (~512 MiB): a body is decoded into one.
    256 * 1024 * 1024,
  );
  return {
    type: "client",
    name,
    provider,
    model: spec.model,
    apiKey: spec.apiKey,
    baseURL: baseURL(spec.baseURL, provider, `${path}.baseURL`),
    restart: oneOf(spec.restart, RESTARTS, d.restart, `${path}.restart`),
    maxConcurrency: int(spec.maxConcurrency, d.maxConcurrency, `${path}.maxConcurrency`, 1, 100_000),
    maxQueue: int(spec.maxQueue, d.maxQueue, `${path}.maxQueue`, 0, 10_000_000),
    maxRedeliveries: int(spec.maxRedeliveries, d.maxRedeliveries, `${path}.maxRedeliveries`, 0, 100),
    timeoutMs: int(spec.timeoutMs, d.timeoutMs, `${path}.timeoutMs`, 1, 86_400_000),
    attemptTimeoutMs: int(
      spec.attemptTimeoutMs,
      d.attemptTimeoutMs,
      `${path}.attemptTimeoutMs`,
      1,
      86_400_000,
    ),
    shutdownTimeoutMs: int(
      spec.shutdownTimeoutMs,
      d.shutdownTimeoutMs,
      `${path}.shutdownTimeoutMs`,
      0,
      600_000,
    ),
    maxResponseBytes,
    maxErrorBodyBytes: Math.min(d.maxErrorBodyBytes, maxResponseBytes),
    cache: resolveCache(spec.cache, `${path}.cache`),
    breaker: resolveBreaker(spec.breaker, `${path}.breaker`),
    retry: resolveRetry(spec.retry, `${path}.retry`),
    stream: resolveStream(spec.stream, `${path}.stream`),
    defaultMaxTokens: int(
      spec.defaultMaxTokens,
      d.defaultMaxTokens,
      `${path}.defaultMaxTokens`,
      1,
      10_000_000,
    ),
    resourceLimits: resolveLimits(spec.resourceLimits, `${path}.resourceLimits`),
  };
}

function resolveCache(cache: CacheSettings | false | undefined, path: string): ResolvedClientSpec["cache"] {
  if (cache === false) return false;
  const c = objectOr(cache, path);
  const d = DEFAULTS.cache;
  const resolved: Exclude<ResolvedClientSpec["cache"], false> = {
    maxEntries: int(c.maxEntries, d.maxEntries, `${path}.maxEntries`, 1, 100_000_000),
    ttlMs: int(c.ttlMs, d.ttlMs, `${path}.ttlMs`, 1, 365 * 86_400_000),
    maxPendingWrites: int(c.maxPendingWrites, d.maxPendingWrites, `${path}.maxPendingWrites`, 0, 1_000_000),
  };
  if (c.store !== undefined) {
    const store = objectOr(c.store as { module?: unknown; options?: unknown }, `${path}.store`);
    if (typeof store.module !== "string" || store.module.length === 0) {
      throw invalidArgument(`${path}.store.module`, "must be a module specifier");
    }
    resolved.store =
      store.options === undefined
        ? { module: store.module }
        : { module: store.module, options: store.options as Json };
  }
  return resolved;
}

function resolveBreaker(
  breaker: BreakerSettings | false | undefined,
  path: string,
): ResolvedClientSpec["breaker"] {
  if (breaker === false) return false;
  const b = objectOr(breaker, path);
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

function resolveRetry(retry: RetrySettings | undefined, path: string): Required<RetrySettings> {
  const r = objectOr(retry, path);
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

function resolveStream(stream: StreamSettings | undefined, path: string): Required<StreamSettings> {
  const s = objectOr(stream, path);
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

function resolveLimits(limits: ClientSpec["resourceLimits"], path: string): ClientSpec["resourceLimits"] {
  if (limits === undefined) return undefined;
  const l = objectOr(limits, path);
  const out: NonNullable<ClientSpec["resourceLimits"]> = {};
  for (const key of ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "stackSizeMb"] as const) {
    if (l[key] !== undefined) out[key] = num(l[key], 0, `${path}.${key}`, 1, 1_000_000);
  }
  return out;
}

function nodeName(name: unknown, path: string, names: Set<string>): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalidArgument(path, "must be 1-64 characters of letters, digits, '_', '.', ':' or '-'");
  }
  if (names.has(name))
    throw invalidArgument(path, `duplicate name ${show(name)}: names are unique in the whole tree`);
  names.add(name);
  return name;
}

function baseURL(value: unknown, provider: ProviderName, path: string): string {
  if (value === undefined) return DEFAULTS.baseURL[provider];
  if (typeof value !== "string") throw invalidArgument(path, "must be a string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(path, "must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidArgument(path, "must use http or https");
  if (url.username !== "" || url.password !== "") throw invalidArgument(path, "must not carry credentials");
  // Normalized without a trailing slash, so `${baseURL}/chat/completions` is always well formed.
  return value.replace(/\/+$/, "");
}

function oneOf<T extends string>(
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

function int(value: unknown, fallback: number, path: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(path, `must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

function num(value: unknown, fallback: number, path: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(path, `must be a number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

function objectOr<T extends object>(value: T | undefined, path: string): Partial<Record<keyof T, unknown>> {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalidArgument(path, "must be an object");
  return value as Partial<Record<keyof T, unknown>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, secret-free rendering of a bad value for an error message. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/** All client specs of a resolved tree, depth first in start order. */
export function clientsOf(spec: ResolvedSupervisorSpec): ResolvedClientSpec[] {
  return spec.children.flatMap((c) => (c.type === "client" ? [c] : clientsOf(c)));
}
