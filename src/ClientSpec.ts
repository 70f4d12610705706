/**
 * A client's settings: what a `type: "client"` node of the tree accepts, how each field is checked,
 * and the resolved form every layer reads (the proxy, the child lifecycle, the worker). Defaults come
 * from `DEFAULTS` (src/defaults.ts); the meaning of each field is in docs/client.md.
 *
 * This is the client's {@link NodeType}: the supervisor reads only `name` and `restart` of it. Its
 * parts: src/clientEndpoint.ts (URL, key, headers, query) and src/clientSettings.ts (the settings
 * groups: cache, breaker, retry, stream, resource limits).
 */
import type { NodeType } from "../supervisor/ChildSpec.js";
import { RESTARTS } from "../supervisor/ChildSpec.js";
import { type Fields, int, oneOf } from "../supervisor/specFields.js";
import { resolveEndpoint } from "./clientEndpoint.js";
import {
  resolveBreaker,
  resolveCache,
  resolveLimits,
  resolveRetry,
  resolveStream,
} from "./clientSettings.js";
import { DEFAULTS } from "./defaults.js";
import { invalidArgument } from "./errors.js";
import { resolveBudget, resolvePricing, resolveRateLimits } from "./traffic/trafficSpec.js";
import type {
  BreakerSettings,
  BudgetSettings,
  CacheSettings,
  ClientLimits,
  ClientSpec,
  Json,
  ModelPricing,
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
  /** Configured rate limits; `undefined`: learned from the vendor's headers. */
  limits: ClientLimits | undefined;
  /** Prices overriding the catalog's. */
  pricing: ModelPricing | undefined;
  budget: BudgetSettings | undefined;
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
  "limits",
  "pricing",
  "budget",
];
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
  const { baseURL, apiKey, headers, query } = resolveEndpoint(spec, provider, path);
  return {
    type: "client",
    name,
    provider,
    model: spec.model,
    apiKey,
    baseURL,
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
    limits: resolveRateLimits(spec.limits, `${path}.limits`),
    pricing: resolvePricing(spec.pricing, `${path}.pricing`),
    budget: resolveBudget(spec.budget, `${path}.budget`),
  };
}
