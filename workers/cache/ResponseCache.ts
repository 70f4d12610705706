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
 *   handed out or kept by reference: `set` stores a copy, and `get` returns a fresh copy (`usage` and
 *   `toolCalls` copied too) that the caller may mutate. Copies hold the fields of {@link Reply} only.
 *
 * External stores (`store: { module, options }`):
 * - `module` is imported inside the worker (a package name resolves from dspex's own location; a
 *   path starting with `./`, `../` or `/` is resolved from the working directory) and its default
 *   export (or its first `Keyv...` export) is constructed with `options`.
 * - keyv serializes to strings (external stores need them) and enforces the TTL (`expires`, checked
 *   on read, and passed to the store's `set` so a store like Redis expires entries itself).
 * - keyv's namespace is `dspex`; keys already start with `dspex:` so keyv adds no second prefix.
 * - `get` returns a promise. `set` does not: writes go behind the answer (write-behind), so a slow
 *   store never delays a reply or holds a stream's concurrency slot. At most `maxPendingWrites`
 *   writes are in flight; a write beyond that is dropped (the entry is simply not cached) and
 *   counted. A store that never answers thus costs at most that many pending promises.
 * - `entries` is `undefined`: an external store's size is not ours to count.
 * - The write counters ({@link CacheWriteStats}) are reported through `onWrites` at most once per
 *   turn of the microtask queue, so a reply and the counts it changed leave the worker together.
 *
 * A cache never fails a call: a store error or an entry of the wrong shape counts in `errors` and
 * reads as a miss.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Keyv } from "keyv";
import { LRUCache } from "lru-cache";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { invalidArgument } from "../../src/errors.js";
import type { CacheWriteStats } from "../../src/protocol.js";
import type { Json, Reply, Usage } from "../../src/types.js";
import { copyReplyExtras, copyUsageExtras } from "./replyExtras.js";

/** The cache settings of a client whose cache is on. */
export type ResponseCacheSettings = Exclude<ResolvedClientSpec["cache"], false>;

/** A value, or a promise of one: what the cache answers (plain in memory, a promise from a store). */
export type MaybePromise<T> = T | Promise<T>;

/** A reply as stored: without `cached`, which is a property of each answer, not of the entry. */
export type StoredReply = Omit<Reply, "cached">;

/** Test hooks. */
export interface ResponseCacheOptions {
  /** The clock of the in-memory LRU's TTL (lru-cache's `perf`); default `performance`. */
  clock?: { now(): number };
  /**
   * Told the write counters of an external store after they changed, at most once per microtask
   * turn: `pending` now, `dropped` and `failed` since the last report. The worker posts them to the
   * main thread, which keeps the totals (`inspect()`).
   */
  onWrites?: (writes: CacheWriteStats) => void;
}

/** The keyv namespace of external stores (and the start of every key, see `CacheKey.ts`). */
const NAMESPACE = "dspex";

/** A client's response cache; see the module comment. */
export class ResponseCache {
  #closed = false;
  #errors = 0;
  readonly #writes: CacheWriteStats = { pending: 0, dropped: 0, failed: 0 };
  /** The writes in flight (external store), for {@link settled}. */
  readonly #inFlight = new Set<Promise<void>>();
  /** What the last report said, so the next one carries increments of `dropped` and `failed`. */
  readonly #reported: CacheWriteStats = { pending: 0, dropped: 0, failed: 0 };
  #reportQueued = false;
  readonly #report = (): void => {
    this.#reportQueued = false;
    const w = this.#writes;
    const last = this.#reported;
    const report = { pending: w.pending, dropped: w.dropped - last.dropped, failed: w.failed - last.failed };
    last.dropped = w.dropped;
    last.failed = w.failed;
    this.onWrites?.(report);
  };

  private constructor(
    private readonly keyv: Keyv<StoredReply> | undefined,
    private readonly lru: LRUCache<string, MemoryEntry> | undefined,
    private readonly maxPendingWrites: number,
    private readonly onWrites: ((writes: CacheWriteStats) => void) | undefined,
  ) {}

  /**
   * Builds the cache for `settings`: the in-memory LRU, or the external store named by `settings.store`.
   * Rejects with `ERR_INVALID_ARGUMENT` (field `cache.store.module`) when the store cannot be built.
   */
  static async create(
    settings: ResponseCacheSettings,
    options: ResponseCacheOptions = {},
  ): Promise<ResponseCache> {
    if (settings.store === undefined) {
      const lru = new LRUCache<string, MemoryEntry>({
        max: settings.maxEntries,
        ttl: settings.ttlMs,
        // With an injected clock, read it on every check (lru-cache otherwise reuses a reading for 1 ms).
        ...(options.clock === undefined ? {} : { perf: options.clock, ttlResolution: 0 }),
      });
      return new ResponseCache(undefined, lru, settings.maxPendingWrites, undefined);
    }
    const store = await buildStore(settings.store.module, settings.store.options);
    // Loaded here only: a worker with the in-memory cache never pays for keyv's modules.
    const { Keyv } = await import("keyv");
    let keyv: Keyv<StoredReply>;
    try {
      // throwOnErrors: keyv otherwise swallows a failed store `get` without a trace; we catch and count.
      keyv = new Keyv<StoredReply>({ store, namespace: NAMESPACE, ttl: settings.ttlMs, throwOnErrors: true });
    } catch {
      throw invalidArgument(
        "cache.store.module",
        `${JSON.stringify(settings.store.module)} did not build a keyv store (get, set, delete, clear)`,
      );
    }
    return new ResponseCache(keyv, undefined, settings.maxPendingWrites, options.onWrites);
  }

  /** Entries in the in-memory LRU; `undefined` for an external store. */
  get entries(): number | undefined {
    return this.lru?.size;
  }

  /** Store failures and malformed entries seen so far (each read as a miss, or a write dropped). */
  get errors(): number {
    return this.#errors;
  }

  /** An external store's writes: in flight, dropped at the cap, failed (all 0 in memory). A copy. */
  get writes(): CacheWriteStats {
    const w = this.#writes;
    return { pending: w.pending, dropped: w.dropped, failed: w.failed };
  }

  /**
   * The reply stored under `key`, as a fresh copy with `cached: true`; `undefined` on a miss. In memory
   * the answer is synchronous; an external store's is a promise (which never rejects).
   */
  get(key: string): MaybePromise<Reply | undefined> {
    if (this.#closed) return undefined;
    const lru = this.lru;
    if (lru !== undefined) {
      const stored = lru.get(key);
      return stored === undefined ? undefined : unpack(stored as MemoryEntry);
    }
    return this.#getExternal(key);
  }

  async #getExternal(key: string): Promise<Reply | undefined> {
    let stored: unknown;
    try {
      stored = await (this.keyv as Keyv<StoredReply>).get(key);
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
    return copy(stored as StoredReply, true);
  }

  /**
   * Stores a copy of `reply` (without `cached`). The caller stores only successful, complete replies.
   * Never waits: in memory the entry is stored at once; an external store's write starts now and
   * finishes behind the answer, or is dropped (and counted) when `maxPendingWrites` are in flight.
   */
  set(key: string, reply: Reply): void {
    if (this.#closed) return;
    if (this.lru !== undefined) {
      this.lru.set(key, pack(copy(reply)));
      return;
    }
    const writes = this.#writes;
    if (writes.pending >= this.maxPendingWrites) {
      writes.dropped++;
    } else {
      writes.pending++;
      const write = this.#setExternal(key, copy(reply));
      this.#inFlight.add(write);
      void write.then(() => this.#inFlight.delete(write));
    }
    this.#changed();
  }

  async #setExternal(key: string, entry: StoredReply): Promise<void> {
    const writes = this.#writes;
    try {
      await (this.keyv as Keyv<StoredReply>).set(key, entry);
    } catch {
      this.#errors++;
      writes.failed++;
    }
    writes.pending--;
    this.#changed();
  }

  /** Reports the write counters once this microtask turn is over (see the module comment). */
  #changed(): void {
    if (this.#reportQueued || this.onWrites === undefined) return;
    this.#reportQueued = true;
    queueMicrotask(this.#report);
  }

  /** Resolves once the writes in flight now have finished (or failed); never rejects. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Removes every entry (in a shared external store: every entry in the `dspex` namespace). */
  async clear(): Promise<void> {
    if (this.lru !== undefined) this.lru.clear();
    else await (this.keyv as Keyv<StoredReply>).clear();
  }

  /** Releases the store (disconnects an external one). Later gets miss and sets are dropped. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.lru !== undefined) this.lru.clear();
    else await (this.keyv as Keyv<StoredReply>).disconnect();
  }
}

/**
 * Answer texts at least this long are kept in the in-memory LRU as bytes outside V8's heap. A cache
 * full of long strings makes the garbage collector copy and compact them over and over as entries
 * come and go: caching 20 KB answers cost ~125 µs of CPU per insert against ~27 µs as bytes
 * (docs/decisions.md, "Long answers in the cache"). Shorter texts stay strings (a hit decodes nothing).
 */
const PACK_MIN_CHARS = 1_024;

/** An in-memory entry: the stored reply, with a long text moved to `bytes` (and `text` empty). */
interface MemoryEntry {
  readonly reply: StoredReply;
  /** The text as bytes (`undefined`: the text is in `reply`). */
  readonly bytes: Buffer | undefined;
  /** The bytes are Latin-1 (the text was ASCII), else UTF-8. */
  readonly latin1: boolean;
}

/** The in-memory entry of a stored copy (see {@link PACK_MIN_CHARS}). */
function pack(reply: StoredReply): MemoryEntry {
  const text = reply.text;
  if (text.length < PACK_MIN_CHARS) return { reply, bytes: undefined, latin1: false };
  // ASCII (one byte per character in UTF-8) is copied as Latin-1: no encoding work either way.
  const latin1 = Buffer.byteLength(text, "utf8") === text.length;
  reply.text = "";
  return { reply, bytes: Buffer.from(text, latin1 ? "latin1" : "utf8"), latin1 };
}

/** A hit: a fresh copy of the entry's reply with its text, `cached: true`. */
function unpack(entry: MemoryEntry): Reply {
  const out = copy(entry.reply, true);
  const bytes = entry.bytes;
  if (bytes !== undefined) out.text = bytes.toString(entry.latin1 ? "latin1" : "utf8");
  return out;
}

/**
 * A copy of a reply that shares no mutable part with it: what each coalesced follower gets, since
 * replies posted in one batch keep their identity across the thread (structured clone does).
 */
export function copyReply(reply: Reply): Reply {
  const out = copy(reply, true);
  out.cached = reply.cached;
  return out;
}

/**
 * A copy that shares no mutable part with `reply`, with `cached` set (a hit) or left out (an entry).
 * Field by field on purpose: measured ~0.05 µs, against ~0.9 µs for object spread of the same reply.
 */
function copy(reply: StoredReply, cached: true): Reply;
function copy(reply: StoredReply): StoredReply;
function copy(reply: StoredReply, cached?: true): StoredReply | Reply {
  const u = reply.usage;
  const usage: Usage = {
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    totalTokens: u.totalTokens,
  };
  copyUsageExtras(u, usage);
  const out: StoredReply | Reply =
    cached === undefined
      ? { text: reply.text, usage, finishReason: reply.finishReason, model: reply.model }
      : { text: reply.text, cached, usage, finishReason: reply.finishReason, model: reply.model };
  if (reply.toolCalls !== undefined) {
    out.toolCalls = reply.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  }
  copyReplyExtras(reply, out);
  return out;
}

/** The shape check of an entry read from an external store. */
function isStoredReply(value: unknown): value is StoredReply {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  const usage = r.usage as Record<string, unknown> | null | undefined;
  return (
    typeof r.text === "string" &&
    typeof r.finishReason === "string" &&
    typeof r.model === "string" &&
    typeof usage === "object" &&
    usage !== null &&
    typeof usage.promptTokens === "number" &&
    typeof usage.completionTokens === "number" &&
    typeof usage.totalTokens === "number" &&
    (r.toolCalls === undefined || Array.isArray(r.toolCalls))
  );
}

/** Imports `specifier` and constructs its store class with `options`. */
async function buildStore(specifier: string, options: Json | undefined): Promise<object> {
  const field = "cache.store.module";
  const name = JSON.stringify(specifier);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(resolveSpecifier(specifier))) as Record<string, unknown>;
  } catch (error) {
    throw invalidArgument(field, `could not import ${name} (${errorMessage(error)})`);
  }
  const Store = storeClass(mod);
  if (Store === undefined) {
    throw invalidArgument(field, `${name} has no default export or Keyv... export that is a class`);
  }
  try {
    return new Store(options);
  } catch {
    // The options may hold a password, and a store's error may echo them: name the module only.
    throw invalidArgument(field, `constructing the store of ${name} failed`);
  }
}

/** File paths become file URLs (relative ones from the working directory); package names stay. */
function resolveSpecifier(specifier: string): string {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return pathToFileURL(resolve(process.cwd(), specifier)).href;
  }
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  return specifier;
}

type StoreClass = new (options: Json | undefined) => object;

/** The default export (or CommonJS `module.exports`), else the first `Keyv...` named export. */
function storeClass(mod: Record<string, unknown>): StoreClass | undefined {
  const candidates: unknown[] = [mod.default];
  const inner = mod.default as Record<string, unknown> | undefined;
  if (typeof inner === "object" && inner !== null) {
    candidates.push(
      inner.default,
      ...Object.entries(inner)
        .filter(([k]) => k.startsWith("Keyv"))
        .map(([, v]) => v),
    );
  }
  for (const [k, v] of Object.entries(mod)) if (k.startsWith("Keyv")) candidates.push(v);
  return candidates.find((c): c is StoreClass => typeof c === "function");
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
