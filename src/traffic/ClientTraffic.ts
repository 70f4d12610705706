/**
 * What the main thread knows about one client's traffic, mirrored from its worker's answers: the
 * rate limiter (budget left, waiting calls, cooldown), tokens used by kind, cost, the spending budget,
 * and the moving average of its latency. Routers decide from these figures with no thread hop, and
 * `inspect()` shows them.
 */
import type { ResolvedClientSpec } from "../ClientSpec.js";
import type { EmbedReply } from "../embedTypes.js";
import { type DspexError, dspexError } from "../errors.js";
import type {
  GenerationParams,
  LimiterSnapshot,
  ModelPricing,
  Reply,
  TokenCounts,
  TrafficSnapshot,
  WireMessage,
} from "../types.js";
import { Budget } from "./Budget.js";
import { costOf, countTokens, type DetailedUsage, noTokens } from "./cost.js";
import type { PriceBook } from "./PriceBook.js";

/** What `onReply` reads and writes: the fields a reply and a stream's last chunk share. */
export type AnswerFields = Pick<Reply, "cached" | "client" | "cost"> & {
  model?: string | undefined;
  usage?: Reply["usage"] | undefined;
};

/** Weight of the newest sample in the latency moving average. */
const LATENCY_ALPHA = 0.2;

/** Characters per token for a budget's cost estimate (the worker's gate learns a better ratio). */
const CHARS_PER_TOKEN = 4;

/** See the module comment. */
export class ClientTraffic {
  readonly tokens: TokenCounts = noTokens();
  /** US dollars spent in all. */
  cost = 0;
  limiter: LimiterSnapshot | undefined = undefined;
  /** Moving average of answered calls' latency, in ms (`undefined` until one is measured). */
  latencyMs: number | undefined = undefined;
  readonly #budget: Budget | undefined;
  #outputAverage = 0;
  /** The model of the last answer priced, and its price (see {@link priceOf}). */
  #pricedModel: string | undefined = undefined;
  #price: ModelPricing | undefined = undefined;

  constructor(
    readonly name: string,
    private readonly spec: ResolvedClientSpec,
    private readonly prices: PriceBook | undefined,
  ) {
    this.#budget = spec.budget === undefined ? undefined : new Budget(spec.budget);
  }

  /**
   * A reply, or a stream's last chunk, arrived from the worker: name the client, count its tokens,
   * price it. A stream whose upstream reported no usage is named, not counted or priced.
   */
  onReply(reply: AnswerFields): DetailedUsage | undefined {
    reply.client = this.name;
    const price = this.priceOf(reply.model);
    if (reply.cached) {
      if (price !== undefined) reply.cost = 0;
      return undefined;
    }
    if (reply.usage === undefined) return undefined;
    const usage = reply.usage as DetailedUsage;
    countTokens(this.tokens, usage);
    this.#outputAverage += LATENCY_ALPHA * (usage.completionTokens - this.#outputAverage);
    if (price !== undefined) {
      const cost = costOf(usage, price);
      reply.cost = cost;
      this.cost += cost;
      this.#budget?.record(cost);
    }
    return usage;
  }

  /**
   * An `embed` reply arrived: name the client, count its input tokens, price it at the model's input
   * price (a client's `pricing.inputPerMTok`, else the catalog's). Returns the usage to report, or
   * `undefined` when nothing was sent upstream for it.
   */
  onEmbedded(reply: EmbedReply): DetailedUsage | undefined {
    reply.client = this.name;
    const price = this.embedPriceOf(reply.model);
    const tokens = reply.usage.promptTokens;
    if (price !== undefined) reply.cost = (tokens * price) / 1_000_000;
    if (reply.requests === 0) return undefined;
    const usage: DetailedUsage = { promptTokens: tokens, completionTokens: 0, totalTokens: tokens };
    countTokens(this.tokens, usage);
    if (reply.cost !== undefined) {
      this.cost += reply.cost;
      this.#budget?.record(reply.cost);
    }
    return usage;
  }

  /** The input price per million tokens of an embedding model on this client, or `undefined`. */
  embedPriceOf(model: string | undefined): number | undefined {
    if (this.spec.pricing !== undefined) return this.spec.pricing.inputPerMTok;
    const prices = this.prices;
    if (prices === undefined) return undefined;
    return (
      (model !== undefined && model !== "" ? prices.inputPriceOf(this.spec.provider, model) : undefined) ??
      prices.inputPriceOf(this.spec.provider, this.spec.model)
    );
  }

  /** Estimated cost of an `embed`: its text at 4 characters a token, at the input price. */
  estimateEmbedCost(inputs: readonly string[]): number {
    const price = this.embedPriceOf(undefined);
    if (price === undefined) return 0;
    let chars = 0;
    for (const input of inputs) chars += input.length;
    return ((chars / CHARS_PER_TOKEN) * price) / 1_000_000;
  }

  /** The refusal of an `embed` that would take the client past its budget, or `undefined`. */
  embedBudgetRefusal(inputs: readonly string[]): DspexError | undefined {
    const budget = this.#budget;
    if (budget === undefined) return undefined;
    const estimate = this.estimateEmbedCost(inputs);
    if (budget.allows(estimate)) return undefined;
    return budgetError(this.name, budget, estimate);
  }

  /** The worker reported its rate limiter (see workers/traffic/limiterReport.ts). */
  onLimiter(snapshot: LimiterSnapshot): void {
    this.limiter = snapshot;
  }

  /** The worker's gate closed after a 429. */
  onCooldown(until: number): void {
    this.limiter ??= { source: "learned", waiting: 0 };
    this.limiter.cooldownUntil = until;
  }

  /** An answered call to this client (routed or not, not from the cache) took `ms`. */
  onLatency(ms: number): void {
    this.latencyMs =
      this.latencyMs === undefined ? ms : this.latencyMs + LATENCY_ALPHA * (ms - this.latencyMs);
  }

  /** True while a 429's cooldown lasts. */
  coolingDown(now: number): boolean {
    const until = this.limiter?.cooldownUntil;
    return until !== undefined && until > now;
  }

  /** Share of the rate-limit budget left, 0..1 (1 while nothing is known). */
  headroom(): number {
    const l = this.limiter;
    if (l === undefined) return 1;
    let share = 1;
    if (l.requestsLeft !== undefined && l.requestsCapacity)
      share = Math.min(share, l.requestsLeft / l.requestsCapacity);
    if (l.tokensLeft !== undefined && l.tokensCapacity)
      share = Math.min(share, l.tokensLeft / l.tokensCapacity);
    return Math.max(0, share);
  }

  /** The price of `model` on this client: its `pricing`, else the catalog's (by the answering model's name, then the spec's). */
  priceOf(model: string | undefined): ModelPricing | undefined {
    if (this.spec.pricing !== undefined) return this.spec.pricing;
    const prices = this.prices;
    if (prices === undefined) return undefined;
    // Every answer of a client names the same model, almost always: the last price found is kept
    // (a catalog lookup builds a key and a pricing object). Not kept while unknown: the catalog may
    // still answer.
    if (model === this.#pricedModel && this.#price !== undefined) return this.#price;
    const price =
      (model !== undefined && model !== "" ? prices.priceOf(this.spec.provider, model) : undefined) ??
      prices.priceOf(this.spec.provider, this.spec.model);
    this.#pricedModel = model;
    this.#price = price;
    return price;
  }

  /**
   * While the catalog has not yet said what this client's model costs (the first answers after start),
   * the lookup to wait for before pricing an answer; `undefined` when nothing is to be waited for.
   */
  priceWait(): Promise<void> | undefined {
    if (this.spec.pricing !== undefined) return undefined;
    return this.prices?.pending(this.spec.provider, this.spec.model);
  }

  /** Estimated cost of a call: its text at 4 characters a token, plus `maxTokens` or the average answer. */
  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number {
    const price = this.priceOf(undefined);
    if (price === undefined) return 0;
    let chars = 0;
    for (const m of messages)
      chars += typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length;
    const input = chars / CHARS_PER_TOKEN + 4 * messages.length;
    const output = params.maxTokens ?? this.#outputAverage;
    return (input * price.inputPerMTok + output * price.outputPerMTok) / 1_000_000;
  }

  /** The refusal of a call that would take the client past its budget, or `undefined`. */
  budgetRefusal(messages: readonly WireMessage[], params: GenerationParams): DspexError | undefined {
    const budget = this.#budget;
    if (budget === undefined) return undefined;
    const estimate = this.estimateCost(messages, params);
    if (budget.allows(estimate)) return undefined;
    return budgetError(this.name, budget, estimate);
  }

  snapshot(): TrafficSnapshot {
    const snapshot: TrafficSnapshot = { tokens: { ...this.tokens }, cost: this.cost };
    const budget = this.#budget;
    if (budget !== undefined) {
      snapshot.budget = { ...budget.settings, spent: budget.spent(), left: budget.left() };
    }
    return snapshot;
  }
}

/** `ERR_BUDGET_EXCEEDED` for `name` (a client or a router). */
export function budgetError(name: string, budget: Budget, estimate: number): DspexError {
  const { usd, perMs } = budget.settings;
  return dspexError(
    "ERR_BUDGET_EXCEEDED",
    `"${name}" has spent $${budget.spent().toFixed(6)} of its $${usd} per ${perMs} ms budget; this call (about $${estimate.toFixed(6)}) would exceed it, so nothing was sent`,
    { client: name },
  );
}
