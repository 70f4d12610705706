/**
 * The OpenTelemetry GenAI semantic conventions as dspex applies them: attribute names, the span name,
 * and the mapping from a call's parameters and reply to attributes. Pure functions of plain data.
 *
 * Version followed: semantic conventions **v1.41.0** (`docs/gen-ai/gen-ai-spans.md` and
 * `gen-ai-metrics.md`, status "Development"). The conventions moved to their own repository in 2026
 * and may rename things; dspex keeps these names until it says otherwise in docs/observability.md.
 */
import type { GenerationParams } from "../types.js";

/** The semantic-conventions version whose GenAI names dspex emits. */
export const SEMCONV_VERSION = "1.41.0";

/** `gen_ai.operation.name` values dspex uses. */
export type GenAiOperation = "chat" | "embeddings";

/** What the conventions call each dspex provider (`gen_ai.provider.name`). */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  azure: "azure.ai.openai",
  gemini: "gcp.gemini",
};

/** `gen_ai.provider.name` for a dspex provider (its own name when the conventions have none). */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** The span name the conventions ask for: `{operation} {model}`. */
export function spanName(operation: GenAiOperation, model: string): string {
  return `${operation} ${model}`;
}

/** `server.address` and `server.port` of a base URL (port from the scheme when the URL has none). */
export function serverOf(baseURL: string): { address: string; port: number } | undefined {
  try {
    const url = new URL(baseURL);
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { address: url.hostname, port };
  } catch {
    return undefined;
  }
}

/**
 * Now, on the clock every dspex span is timed on: epoch milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), which the workers' timings use too. Spans given
 * explicit times get `Date.now()` from the SDK for anything left untimed, so every time dspex sets
 * comes from here.
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Attribute values as OpenTelemetry takes them. */
export type AttributeValue = string | number | boolean | string[];

/** Attributes as a plain record. */
export type Attributes = Record<string, AttributeValue>;

/** The `gen_ai.request.*` attributes of a call's generation parameters. */
export function requestAttributes(params: GenerationParams, into: Attributes): void {
  if (params.temperature !== undefined) into["gen_ai.request.temperature"] = params.temperature;
  if (params.maxTokens !== undefined) into["gen_ai.request.max_tokens"] = params.maxTokens;
  if (params.topP !== undefined) into["gen_ai.request.top_p"] = params.topP;
  if (params.seed !== undefined) into["gen_ai.request.seed"] = params.seed;
  if (params.presencePenalty !== undefined) into["gen_ai.request.presence_penalty"] = params.presencePenalty;
  if (params.frequencyPenalty !== undefined)
    into["gen_ai.request.frequency_penalty"] = params.frequencyPenalty;
  if (params.stop !== undefined)
    into["gen_ai.request.stop_sequences"] = typeof params.stop === "string" ? [params.stop] : params.stop;
  const n = (params as { n?: unknown }).n;
  if (typeof n === "number") into["gen_ai.request.choice.count"] = n;
  if (params.responseFormat !== undefined) into["gen_ai.output.type"] = "json";
}

/** The reply fields telemetry reads (later fields are optional: not every provider has them). */
export interface ReplyFacts {
  id?: string | undefined;
  model?: string | undefined;
  finishReason?: string | undefined;
  usage?: UsageFacts | undefined;
  cost?: number | undefined;
  client?: string | undefined;
}

/** Token counts as a reply or a stream's last chunk carries them. */
export interface UsageFacts {
  promptTokens?: number;
  completionTokens?: number;
  cachedPromptTokens?: number | undefined;
  cacheWriteTokens?: number | undefined;
  reasoningTokens?: number | undefined;
}

/** The `gen_ai.response.*` and `gen_ai.usage.*` attributes of a reply. */
export function responseAttributes(reply: ReplyFacts, into: Attributes): void {
  if (reply.id !== undefined) into["gen_ai.response.id"] = reply.id;
  if (reply.model !== undefined && reply.model !== "") into["gen_ai.response.model"] = reply.model;
  if (reply.finishReason !== undefined) into["gen_ai.response.finish_reasons"] = [reply.finishReason];
  const usage = reply.usage;
  if (usage !== undefined) {
    if (usage.promptTokens !== undefined) into["gen_ai.usage.input_tokens"] = usage.promptTokens;
    if (usage.completionTokens !== undefined) into["gen_ai.usage.output_tokens"] = usage.completionTokens;
    if (usage.cachedPromptTokens !== undefined)
      into["gen_ai.usage.cache_read.input_tokens"] = usage.cachedPromptTokens;
    if (usage.cacheWriteTokens !== undefined)
      into["gen_ai.usage.cache_creation.input_tokens"] = usage.cacheWriteTokens;
    if (usage.reasoningTokens !== undefined)
      into["gen_ai.usage.reasoning.output_tokens"] = usage.reasoningTokens;
  }
  if (reply.cost !== undefined) into["dspex.cost.usd"] = reply.cost;
  if (reply.client !== undefined) into["dspex.client.answered"] = reply.client;
}
