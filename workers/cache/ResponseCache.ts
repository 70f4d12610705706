/**
 * A client's response cache: a bounded in-memory LRU by default, or any keyv store (Redis, SQLite, ...)
 * named in the client's settings and built inside the worker.
 *
 * In memory (the default):
 * - An `lru-cache` instance (`max: maxEntries`, `ttl: ttlMs`) bounds memory and owns the TTL. It is
 *   used directly and synchronously: `get` and `set` return plain values, not promises, so a hit or a
 *   miss costs no turn of the microtask queue. keyv is not on this path (it made every lookup and
 *   store asynchronous: measured in docs/decisions.md), and is loaded only for an external store.
 * - Values are kept as live objects (no 6-10 µs JSON per get and set). So nothing stored is ever
 *   handed out or kept by reference: `set` stores a copy, and `get` returns a fresh copy that the
 *   caller may mutate (`replyCopy.ts`); long texts are kept as bytes (`packedEntry.ts`).
 *
 * External stores (`store: { module, options }`, built by `storeModule.ts`):
 * - keyv serializes to strings (external stores need them) and enforces the TTL (`expires`, checked
 *   on read, and passed to the store's `set` so a store like Redis expires entries itself).
 * - keyv's namespace is `dspex`; keys already start with `dspex:` so keyv adds no second prefix.
 * - `get` returns a promise. `set` does not: writes go behind the answer, capped and counted
 *   (`WriteBehind.ts`).
 * - `entries` is `undefined`: an external store's size is not ours to count.
 *
 * A cache never fails a call: a store error or an entry of the wrong shape counts in `errors` and
 * reads as a miss.
 */
import type { Keyv } from "keyv";
import { LRUCache } from "lru-cache";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { CacheWriteStats } from "../../src/protocol.js";
import type { Reply } from "../../src/types.js";
import { type PackedEntry, pack, unpack } from "./packedEntry.js";
import { copyStored, type StoredReply } from "./replyCopy.js";
import { buildStore, isStoredReply, notAStore } from "./storeModule.js";
import { WriteBehind } from "./WriteBehind.js";

/** The cache settings of a client whose cache is on. */
export type ResponseCacheSettings = Exclude<ResolvedClientSpec["cache"], false>;

/** A value, or a promise of one: what the cache answers (plain in memory, a promise from a store). */
export type MaybePromise<T> = T | Promise<T>;

/** Test hooks. */
export interface ResponseCacheOptions {
  /** The clock of the in-memory LRU's TTL (lru-cache's `perf`); default `performance`. */
  clock?: { now(): number };
  /**
   * Told the write counters of an external store after they changed, at most once per microtask
   * turn (`WriteBehind.ts`). The worker posts them to the main thread, which keeps the totals
   * (`inspect()`).
   */
  onWrites?: (writes: CacheWriteStats) => void;
}

/** The keyv namespace of external stores (and the start of every key, see `CacheKey.ts`). */
const NAMESPACE = "dspex";

/** A client's response cache; see the module comment. */
export class ResponseCache {
  #closed = false;
  #errors = 0;
  /** The external store (`undefined`: in memory). */
  readonly #keyv: Keyv<StoredReply> | undefined;
  /** The in-memory LRU (`undefined`: an external store). */
  readonly #lru: LRUCache<string, PackedEntry> | undefined;
  /** An external store's writes (in memory: never used, its counters stay 0). */
  readonly #writeBehind: WriteBehind;

  private constructor(
    keyv: Keyv<StoredReply> | undefined,
    lru: LRUCache<string, PackedEntry> | undefined,
    writeBehind: WriteBehind,
  ) {
    this.#keyv = keyv;
    this.#lru = lru;
    this.#writeBehind = writeBehind;
  }

  /**
   * Builds the cache for `settings`: the in-memory LRU, or the external store named by `settings.store`.
   * Rejects with `ERR_INVALID_ARGUMENT` (field `cache.store.module`) when the store cannot be built.
   */
  static async create(
    settings: ResponseCacheSettings,
    options: ResponseCacheOptions = {},
  ): Promise<ResponseCache> {
    if (settings.store === undefined) {
      const lru = new LRUCache<string, PackedEntry>({
        max: settings.maxEntries,
        ttl: settings.ttlMs,
        // With an injected clock, read it on every check (lru-cache otherwise reuses a reading for 1 ms).
        ...(options.clock === undefined ? {} : { perf: options.clock, ttlResolution: 0 }),
      });
      return new ResponseCache(undefined, lru, new WriteBehind(settings.maxPendingWrites, undefined));
    }
    const store = await buildStore(settings.store.module, settings.store.options);
    // Loaded here only: a worker with the in-memory cache never pays for keyv's modules.
    const { Keyv } = await import("keyv");
    let keyv: Keyv<StoredReply>;
    try {
      // throwOnErrors: keyv otherwise swallows a failed store `get` without a trace; we catch and count.
      keyv = new Keyv<StoredReply>({ store, namespace: NAMESPACE, ttl: settings.ttlMs, throwOnErrors: true });
    } catch {
      throw notAStore(settings.store.module);
    }
    return new ResponseCache(keyv, undefined, new WriteBehind(settings.maxPendingWrites, options.onWrites));
  }

  /** Entries in the in-memory LRU; `undefined` for an external store. */
  get entries(): number | undefined {
    return this.#lru?.size;
  }

  /** Store failures and malformed entries seen so far (each read as a miss, or a write dropped). */
  get errors(): number {
    return this.#errors;
  }

  /** An external store's writes: in flight, dropped at the cap, failed (all 0 in memory). A copy. */
  get writes(): CacheWriteStats {
    return this.#writeBehind.writes;
  }

  /**
   * The reply stored under `key`, as a fresh copy with `cached: true`; `undefined` on a miss. In memory
   * the answer is synchronous; an external store's is a promise (which never rejects).
   */
  get(key: string): MaybePromise<Reply | undefined> {
    if (this.#closed) return undefined;
    const lru = this.#lru;
    if (lru !== undefined) {
      const stored = lru.get(key);
      return stored === undefined ? undefined : unpack(stored as PackedEntry);
    }
    return this.#getExternal(key);
  }

  async #getExternal(key: string): Promise<Reply | undefined> {
    let stored: unknown;
    try {
      stored = await (this.#keyv as Keyv<StoredReply>).get(key);
    } catch {
      // The store failed, or its entry is not JSON.
      this.#errors++;
      return undefined;
    }
    if (stored === undefined) return undefined;
    // Entries of a shared external store may come from anyone.
    if (!isStoredReply(stored)) {
      this.#errors++;
      return undefined;
    }
    return copyStored(stored, true);
  }

  /**
   * Stores a copy of `reply` (without `cached`). The caller stores only successful, complete replies.
   * Never waits: in memory the entry is stored at once; an external store's write starts now and
   * finishes behind the answer, or is dropped (and counted) when `maxPendingWrites` are in flight.
   */
  set(key: string, reply: Reply): void {
    if (this.#closed) return;
    const lru = this.#lru;
    if (lru !== undefined) {
      lru.set(key, pack(copyStored(reply)));
      return;
    }
    const writeBehind = this.#writeBehind;
    if (writeBehind.admit()) writeBehind.track(this.#setExternal(key, copyStored(reply)));
  }

  async #setExternal(key: string, entry: StoredReply): Promise<void> {
    let failed = false;
    try {
      await (this.#keyv as Keyv<StoredReply>).set(key, entry);
    } catch {
      this.#errors++;
      failed = true;
    }
    this.#writeBehind.finish(failed);
  }

  /** Resolves once the writes in flight now have finished (or failed); never rejects. */
  settled(): Promise<void> {
    return this.#writeBehind.settled();
  }

  /** Removes every entry (in a shared external store: every entry in the `dspex` namespace). */
  async clear(): Promise<void> {
    if (this.#lru !== undefined) this.#lru.clear();
    else await (this.#keyv as Keyv<StoredReply>).clear();
  }

  /** Releases the store (disconnects an external one). Later gets miss and sets are dropped. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#lru !== undefined) this.#lru.clear();
    else await (this.#keyv as Keyv<StoredReply>).disconnect();
  }
}
