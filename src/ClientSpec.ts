/**
 * A client's settings: what a `type: "client"` node of the tree accepts, how each field is checked,
 * and the resolved form every layer reads (the proxy, the child lifecycle, the worker). Defaults come
 * from `DEFAULTS` (src/defaults.ts); the meaning of each field is in docs/client.md.
 *
 * This is the client's {@link NodeType}: the supervisor reads only `name` and `restart` of it.
 */
import type { NodeType } from "../supervisor/ChildSpec.js";
import { RESTARTS } from "../supervisor/ChildSpec.js";
import { type Fields, int, join, num, objectOr, oneOf, rejectUnknownKeys } from "../supervisor/specFields.js";
import { DEFAULTS } from "./defaults.js";
import { invalidArgument } from "./errors.js";
import { CREDENTIAL_HEADERS, checkHeaders, checkQuery } from "./headers.js";
import type {
  BreakerSettings,
  CacheSettings,
  ClientSpec,
  Json,
  ProviderName,
  Redelivery,
  RestartType,
  RetrySettings,
  StreamSettings,
} from "./types.js";

/** A client spec with every default filled in. */
export interface ResolvedClientSpec {
  type: "client";
  name: string;
  provider: ProviderName;
  model: string;
  apiKey: string | undefined;
  baseURL: string;
  /** Extra headers for every request (lower-case names), when the spec set any. */
  headers: Record<string, string> | undefined;
  /** Query parameters for every request URL, when the spec set any. */
  query: Record<string, string> | undefined;
  restart: RestartType;
  maxConcurrency: number;
  maxQueue: number;
  maxRedeliveries: number;
  redeliver: Redelivery;
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

/** Every field a client spec accepts besides `type` and `name`. */
const CLIENT_FIELDS: readonly (keyof ClientSpec)[] = [
  "provider",
  "model",
  "apiKey",
  "baseURL",
  "headers",
  "query",
  "restart",
  "maxConcurrency",
  "maxQueue",
  "maxRedeliveries",
  "redeliver",
  "timeoutMs",
  "attemptTimeoutMs",
  "shutdownTimeoutMs",
  "maxResponseBytes",
  "cache",
  "breaker",
  "retry",
  "stream",
  "defaultMaxTokens",
  "resourceLimits",
];
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
const REDELIVERIES: readonly Redelivery[] = ["unanswered", "never"];
const PROVIDERS: readonly ProviderName[] = ["openai", "anthropic", "azure", "gemini"];

/** The `client` node type of the tree. */
export const clientNode: NodeType<ResolvedClientSpec> = {
  fields: CLIENT_FIELDS,
  resolve: resolveClient,
};

function resolveClient(spec: Fields, name: string, path: string): ResolvedClientSpec {
  const d = DEFAULTS.client;
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
  const url = baseURL(spec.baseURL, provider, `${path}.baseURL`);
  const apiKey = resolveApiKey(spec.apiKey as string | undefined, provider);
  const headers =
    spec.headers === undefined
      ? undefined
      : checkHeaders(spec.headers, `${path}.headers`, apiKey === undefined);
  const query = spec.query === undefined ? undefined : checkQuery(spec.query, `${path}.query`);
  if (apiKey === undefined && isVendorURL(url) && !hasCredential(headers)) {
    throw invalidArgument(
      `${path}.apiKey`,
      `is missing, and so is ${DEFAULTS.apiKeyEnv[provider]}: ${new URL(url).host} needs a key`,
    );
  }
  return {
    type: "client",
    name,
    provider,
    model: spec.model,
    apiKey,
    baseURL: url,
    headers,
    query,
    restart: oneOf(spec.restart, RESTARTS, d.restart, `${path}.restart`),
    maxConcurrency: int(spec.maxConcurrency, d.maxConcurrency, `${path}.maxConcurrency`, 1, 100_000),
    maxQueue: int(spec.maxQueue, d.maxQueue, `${path}.maxQueue`, 0, 10_000_000),
    maxRedeliveries: int(spec.maxRedeliveries, d.maxRedeliveries, `${path}.maxRedeliveries`, 0, 100),
    redeliver: oneOf(spec.redeliver, REDELIVERIES, d.redeliver, `${path}.redeliver`),
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

/** `value` as the fields of a settings group, unknown keys refused. */
function group(value: unknown, known: readonly string[], path: string): Fields {
  const fields = objectOr(value, path);
  rejectUnknownKeys(fields, known, path);
  return fields;
}

function resolveCache(cache: unknown, path: string): ResolvedClientSpec["cache"] {
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

function resolveBreaker(breaker: unknown, path: string): ResolvedClientSpec["breaker"] {
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

function resolveRetry(retry: unknown, path: string): Required<RetrySettings> {
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

function resolveStream(stream: unknown, path: string): Required<StreamSettings> {
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

function resolveLimits(limits: unknown, path: string): ClientSpec["resourceLimits"] {
  if (limits === undefined) return undefined;
  const l = group(limits, LIMIT_FIELDS, path);
  const out: NonNullable<ClientSpec["resourceLimits"]> = {};
  for (const key of LIMIT_FIELDS) {
    if (l[key] !== undefined) out[key] = num(l[key], 0, `${path}.${key}`, 1, 1_000_000);
  }
  return out;
}

/** The spec's key, else the provider's conventional variable; an empty string counts as none. */
function resolveApiKey(apiKey: string | undefined, provider: ProviderName): string | undefined {
  const key = apiKey ?? process.env[DEFAULTS.apiKeyEnv[provider]];
  return key === undefined || key === "" ? undefined : key;
}

/** Hosts that always need a key: the vendors' own APIs (a proxy or a local server may not). */
const VENDOR_HOSTS =
  /(^|\.)(api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com|openai\.azure\.com|cognitiveservices\.azure\.com)$/;

function isVendorURL(url: string): boolean {
  return VENDOR_HOSTS.test(new URL(url).hostname);
}

function hasCredential(headers: Record<string, string> | undefined): boolean {
  if (headers === undefined) return false;
  for (const name in headers) if (CREDENTIAL_HEADERS.has(name)) return true;
  return false;
}

function baseURL(value: unknown, provider: ProviderName, path: string): string {
  if (value === undefined) {
    const fallback = DEFAULTS.baseURL[provider];
    if (fallback === undefined) {
      throw invalidArgument(
        path,
        `is required for ${provider} (your resource's URL, e.g. https://NAME.openai.azure.com)`,
      );
    }
    return fallback;
  }
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
