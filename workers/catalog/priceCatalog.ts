/**
 * The price-catalog thread: loads `@pydantic/genai-prices` and answers {@link PriceLookup}s with each
 * model's per-million prices. It exists so that the catalog (an 830 KB module that becomes ~5 MB of
 * heap) never lives on the application's main thread: there its compile blocked the event loop at
 * start, and its size in the old generation made the main thread's scavenges promote each call's
 * objects (docs/decisions.md, "Prices"). The main side ends this thread once it has been idle.
 *
 * A catalog that cannot be loaded answers `null` for every model (prices unknown unless a client sets
 * `pricing`), as the main side would without it.
 */
import { parentPort } from "node:worker_threads";
import type { PriceAnswer, PriceEntry, PriceLookup, PriceQuery } from "../../src/traffic/catalogMessages.js";

/** The catalog module's shape, as far as it is used here. */
interface Catalog {
  calcPrice(
    usage: Record<string, number>,
    modelId: string,
    options?: { providerId?: string },
  ): null | { model_price: Record<string, unknown> };
}

/** dspex's provider names as the catalog spells them. */
const CATALOG_PROVIDER: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  azure: "azure",
  gemini: "google",
};

const catalog: Catalog | undefined = await import("@pydantic/genai-prices").then(
  (module) => module as unknown as Catalog,
  () => undefined,
);

/** One model's prices, or `null` when the catalog does not know it. */
export function lookup(query: PriceQuery): PriceEntry | null {
  if (catalog === undefined) return null;
  try {
    // calcPrice matches the model against every model of the provider (~200 µs): once per model.
    const found = catalog.calcPrice({ input_tokens: 1, output_tokens: 1 }, query.model, {
      providerId: CATALOG_PROVIDER[query.provider] ?? query.provider,
    });
    if (found === null) return null;
    const p = found.model_price;
    return {
      input: p.input_mtok as PriceEntry["input"],
      output: p.output_mtok as PriceEntry["output"],
      cacheRead: p.cache_read_mtok as PriceEntry["cacheRead"],
      cacheWrite: p.cache_write_mtok as PriceEntry["cacheWrite"],
    };
  } catch {
    return null;
  }
}

parentPort?.on("message", (message: PriceLookup) => {
  const answer: PriceAnswer = { id: message.id, entries: message.queries.map(lookup) };
  parentPort?.postMessage(answer);
});
