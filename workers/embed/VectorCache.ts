/**
 * The per-input cache of a client's embeddings: an in-memory LRU (`lru-cache`, as the response cache
 * uses) from an input's key (`EmbedKeys.ts`) to its vector and the model that made it, bounded by the
 * client's `cache.maxEntries` (one entry per input) and expiring after `cache.ttlMs`.
 *
 * Vectors are stored as they were parsed and never handed out: each reply copies them into the
 * buffer it transfers (`embedReply.ts`), so no caller can change an entry. With an external store
 * (`cache.store`) vectors go to that store instead (`StoredVectors.ts`); this path stays synchronous.
 */
import { LRUCache } from "lru-cache";

/** One cached input. */
export interface CachedVector {
  readonly vector: Float32Array;
  readonly model: string;
}

/** See the module comment. */
export class VectorCache {
  /** Tells it apart from the external store's `StoredVectors` (`kind: "store"`). */
  readonly kind = "memory";
  readonly #lru: LRUCache<string, CachedVector>;

  constructor(maxEntries: number, ttlMs: number) {
    this.#lru = new LRUCache<string, CachedVector>({ max: maxEntries, ttl: ttlMs });
  }

  get(key: string): CachedVector | undefined {
    return this.#lru.get(key);
  }

  set(key: string, entry: CachedVector): void {
    this.#lru.set(key, entry);
  }

  /** Entries now (expired ones not yet evicted included). */
  get size(): number {
    return this.#lru.size;
  }

  clear(): void {
    this.#lru.clear();
  }
}
