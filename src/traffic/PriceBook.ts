/**
 * Model prices from a catalog, not a hand-kept table: `@pydantic/genai-prices` (see docs/decisions.md,
 * "Prices"), read in a thread of its own ({@link CatalogThread}) so the catalog never sits on the
 * application's main thread. The prices of every client's model are asked for once the tree is up
 * ({@link preload}; an answer that arrives before the catalog has said waits for it, see `ClientProxy`);
 * a model first seen in an answer (a dated variant, say) is asked for then, and its answers are priced
 * once the catalog has said (until then the client prices at its spec model's price, see
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
  /** Lookups in flight, by key: an answer waits on its model's. */
  readonly #asking = new Map<string, Promise<void>>();
  readonly #source: PriceSource | undefined;

  /** `source` undefined: a book with overrides only (for tests). */
  constructor(source: PriceSource | undefined) {
    this.#source = source;
  }

  /** Asks for the prices of `queries` now; settles once they are known (or known to be unknown). Never rejects. */
  preload(queries: readonly PriceQuery[]): Promise<void> {
    return this.#ask(queries);
  }

  /** The lookup in flight for `model`, if one is: an answer that needs its price waits on it. */
  pending(provider: ProviderName, model: string): Promise<void> | undefined {
    return this.#asking.get(`${provider}\u0000${model}`);
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

  /**
   * The input price of an embedding model (dollars per million tokens), or `undefined` when not known
   * (yet). The catalog gives embedding models an input price only, which {@link priceOf} (made for
   * chat, which needs both) does not accept.
   */
  inputPriceOf(provider: ProviderName, model: string): number | undefined {
    if (this.#source === undefined) return undefined;
    const entry = this.#known.get(`${provider}\u0000${model}`);
    if (entry === undefined) {
      void this.#ask([{ provider, model }]);
      return undefined;
    }
    return entry === null ? undefined : tier(entry.input, 0);
  }

  /** Ends the catalog thread, if one runs. */
  close(): Promise<void> {
    return this.#source?.close() ?? Promise.resolve();
  }

  #ask(queries: readonly PriceQuery[]): Promise<void> {
    const source = this.#source;
    if (source === undefined) return Promise.resolve();
    const fresh: PriceQuery[] = [];
    const waits: Promise<void>[] = [];
    for (const query of queries) {
      const key = `${query.provider}\u0000${query.model}`;
      const asking = this.#asking.get(key);
      if (asking !== undefined) waits.push(asking);
      else if (!this.#known.has(key) && this.#known.size < MAX_MODELS) fresh.push(query);
    }
    if (fresh.length > 0) {
      const answered = source.lookup(fresh).then((entries) => {
        fresh.forEach((query, i) => {
          const key = `${query.provider}\u0000${query.model}`;
          this.#asking.delete(key);
          this.#known.set(key, entries[i] ?? null);
        });
      });
      for (const query of fresh) this.#asking.set(`${query.provider}\u0000${query.model}`, answered);
      waits.push(answered);
    }
    return Promise.all(waits).then(() => undefined);
  }
}

function tier(price: CatalogPrice, promptTokens: number): number | undefined {
  if (price === undefined || typeof price === "number") return price;
  let chosen = price.base;
  for (const t of price.tiers) if (promptTokens >= t.start) chosen = t.price;
  return chosen;
}
