/**
 * The messages between the main thread's {@link PriceBook} and the price-catalog thread
 * (`workers/catalog/priceCatalog.ts`), shared by both sides, and the price entry they carry.
 */
import type { ProviderName } from "../types.js";

/** Per-million prices as the catalog gives them (a tiered price picks its tier by prompt size). */
export type CatalogPrice = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

/** One model's prices. */
export interface PriceEntry {
  input: CatalogPrice;
  output: CatalogPrice;
  cacheRead: CatalogPrice;
  cacheWrite: CatalogPrice;
}

/** One model to price. */
export interface PriceQuery {
  provider: ProviderName;
  model: string;
}

/** Main thread -> catalog thread. */
export interface PriceLookup {
  id: number;
  queries: PriceQuery[];
}

/** Catalog thread -> main thread: an entry per query, in order (`null`: the catalog does not know it). */
export interface PriceAnswer {
  id: number;
  entries: (PriceEntry | null)[];
}
