/**
 * The per-input cache of a client's embeddings when its cache is an external keyv store
 * (`cache.store`): each input's vector is read from and written to the store the client's replies
 * use (`ResponseCache.ts`: same keyv namespace, TTL, write-behind and `errors` count), under its
 * `EmbedKeys.ts` key, in the compact form of `vectorEntry.ts`.
 *
 * Lookups are asynchronous and batched (one `getMany` per `embed`); writes go behind the answer. A
 * store error or a malformed entry reads as a miss and counts in the cache's `errors`. The in-memory
 * path (`VectorCache.ts`) never comes here, so it stays synchronous.
 */
import type { ResponseCache } from "../cache/ResponseCache.js";
import type { CachedVector } from "./VectorCache.js";
import { decodeVector, encodeVector } from "./vectorEntry.js";

/** See the module comment. */
export class StoredVectors {
  /** Tells it apart from the in-memory `VectorCache` (`kind: "memory"`). */
  readonly kind = "store";
  readonly #cache: ResponseCache;

  constructor(cache: ResponseCache) {
    this.#cache = cache;
  }

  /** The vectors stored under `keys`, in order (`undefined`: a miss). Never rejects. */
  async getMany(keys: readonly string[]): Promise<(CachedVector | undefined)[]> {
    const values = await this.#cache.getEntries(keys);
    return values.map((value) => {
      if (value === undefined) return undefined;
      const entry = decodeVector(value);
      if (entry === undefined) this.#cache.countMalformed();
      return entry;
    });
  }

  /** Stores `entry` under `key`, behind the answer (capped and counted by the store's write-behind). */
  set(key: string, entry: CachedVector): void {
    this.#cache.setEntry(key, encodeVector(entry));
  }
}
