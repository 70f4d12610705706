/**
 * Model prices from a catalog, not a hand-kept table: `@pydantic/genai-prices` (see docs/decisions.md,
 * "Prices"), read in a thread of its own ({@link CatalogThread}) so the catalog never sits on the
 * application's main thread. The prices of every client's model are asked for when the system starts
 * (`ready`); a model first seen in an answer (a dated variant, say) is asked for then, and its answers
 * are priced once the catalog has said (until then the client prices at its spec model's price, see
 * `ClientTraffic`). Pricing an answer is then a map lookup and four multiplications.
 *
 * A client's `pricing` overrides the catalog. Prices are US dollars per million tokens.
 */
import type { ModelPricing, ProviderName } from "../types.js";
import type { PriceSource } from "./CatalogThread.js";
import type { CatalogPrice, PriceEntry, PriceQuery } from "./catalogMessages.js";

/** Models remembered at most: a vendor that names a new model per answer must not grow this without end. */
const MAX_MODELS = 1_024;

/** See the module comment. */
export class PriceBook {
  readonly #known = new Map<string, PriceEntry | null>();
  readonly #asking = new Set<string>();
  readonly #source: PriceSource | undefined;
  /** Settles once the preloaded models are priced (or known to be unknown). Never rejects. */
  readonly ready: Promise<void>;

  /** `source` undefined: a book with overrides only (for tests). */
  constructor(source: PriceSource | undefined, preload: readonly PriceQuery[] = []) {
    this.#source = source;
    this.ready = this.#ask(preload);
  }

  /** The price of `model` at `provider`, or `undefined` when it is not known (yet). */
  priceOf(provider: ProviderName, model: string, promptTokens = 0): ModelPricing | undefined {
    if (this.#source === undefined) return undefined;
    const key = `${provider}\u0000${model}`;
    const entry = this.#known.get(key);
    if (entry === undefined) {
      void this.#ask([{ provider, model }]);
      return undefined;
    }
    if (entry === null) return undefined;
    const input = tier(entry.input, promptTokens);
    const output = tier(entry.output, promptTokens);
    if (input === undefined || output === undefined) return undefined;
    const pricing: ModelPricing = { inputPerMTok: input, outputPerMTok: output };
    const cacheRead = tier(entry.cacheRead, promptTokens);
    const cacheWrite = tier(entry.cacheWrite, promptTokens);
    if (cacheRead !== undefined) pricing.cachedInputPerMTok = cacheRead;
    if (cacheWrite !== undefined) pricing.cacheWritePerMTok = cacheWrite;
    return pricing;
  }

  /** Ends the catalog thread, if one runs. */
  close(): Promise<void> {
    return this.#source?.close() ?? Promise.resolve();
  }

  async #ask(queries: readonly PriceQuery[]): Promise<void> {
    const source = this.#source;
    if (source === undefined) return;
    const fresh: PriceQuery[] = [];
    for (const query of queries) {
      const key = `${query.provider}\u0000${query.model}`;
      if (this.#known.has(key) || this.#asking.has(key) || this.#known.size >= MAX_MODELS) continue;
      this.#asking.add(key);
      fresh.push(query);
    }
    if (fresh.length === 0) return;
    const entries = await source.lookup(fresh);
    fresh.forEach((query, i) => {
      const key = `${query.provider}\u0000${query.model}`;
      this.#asking.delete(key);
      this.#known.set(key, entries[i] ?? null);
    });
  }
}

function tier(price: CatalogPrice, promptTokens: number): number | undefined {
  if (price === undefined || typeof price === "number") return price;
  let chosen = price.base;
  for (const t of price.tiers) if (promptTokens >= t.start) chosen = t.price;
  return chosen;
}
