/**
 * Model prices from a catalog, not a hand-kept table: `@pydantic/genai-prices` (see docs/decisions.md,
 * "Prices"). The catalog is loaded once per system on the main thread (workers never load it), and
 * each (provider, model) is looked up once: the catalog's own `calcPrice` costs ~200 µs a call, a
 * cached price and four multiplications well under a microsecond.
 *
 * A client's `pricing` overrides the catalog. Prices are US dollars per million tokens.
 */
import type { ModelPricing, ProviderName } from "../types.js";

/** The catalog module's shape, as far as it is used here. */
interface Catalog {
  calcPrice(
    usage: Record<string, number>,
    modelId: string,
    options?: { providerId?: string },
  ): null | { model_price: Record<string, unknown> };
}

const CATALOG_PROVIDER: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  azure: "azure",
  gemini: "google",
};

/** Per-million prices of one model, as the catalog gives them (a tiered price picks its tier by prompt size). */
type CatalogPrice = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

interface Entry {
  input: CatalogPrice;
  output: CatalogPrice;
  cacheRead: CatalogPrice;
  cacheWrite: CatalogPrice;
}

/** See the module comment. */
export class PriceBook {
  #catalog: Catalog | undefined;
  readonly #cache = new Map<string, Entry | null>();
  /** Settles once the catalog is loaded (or failed to: every price is then unknown unless overridden). */
  readonly ready: Promise<void>;

  /** Starts loading the catalog (`load: false`: a book with overrides only, for tests). */
  constructor(load = true) {
    this.ready = load
      ? import("@pydantic/genai-prices").then(
          (catalog) => {
            this.#catalog = catalog as unknown as Catalog;
          },
          () => undefined,
        )
      : Promise.resolve();
  }

  /** The price of `model` at `provider`, or `undefined` when the catalog does not know it. */
  priceOf(provider: ProviderName, model: string, promptTokens = 0): ModelPricing | undefined {
    const key = `${provider}\u0000${model}`;
    let entry = this.#cache.get(key);
    if (entry === undefined) {
      if (this.#catalog === undefined) return undefined; // not loaded (yet): ask again later
      entry = this.#lookup(provider, model);
      this.#cache.set(key, entry);
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
   * The input price of an embedding model (dollars per million tokens), or `undefined`. The catalog
   * gives embedding models an input price only, which {@link priceOf} (made for chat) does not accept.
   */
  inputPriceOf(provider: ProviderName, model: string): number | undefined {
    const key = `${provider}\u0000${model}`;
    let entry = this.#cache.get(key);
    if (entry === undefined) {
      if (this.#catalog === undefined) return undefined;
      entry = this.#lookup(provider, model);
      this.#cache.set(key, entry);
    }
    return entry === null ? undefined : tier(entry.input, 0);
  }

  #lookup(provider: ProviderName, model: string): Entry | null {
    if (this.#catalog === undefined) return null;
    try {
      const found = this.#catalog.calcPrice({ input_tokens: 1, output_tokens: 1 }, model, {
        providerId: CATALOG_PROVIDER[provider] ?? provider,
      });
      if (found === null) return null;
      const p = found.model_price;
      return {
        input: p.input_mtok as CatalogPrice,
        output: p.output_mtok as CatalogPrice,
        cacheRead: p.cache_read_mtok as CatalogPrice,
        cacheWrite: p.cache_write_mtok as CatalogPrice,
      };
    } catch {
      return null;
    }
  }
}

function tier(price: CatalogPrice, promptTokens: number): number | undefined {
  if (price === undefined || typeof price === "number") return price;
  let chosen = price.base;
  for (const t of price.tiers) if (promptTokens >= t.start) chosen = t.price;
  return chosen;
}
