/**
 * The worker side of the admin port: {@link AdminApi} over this worker's live cache, breaker and
 * mailbox, exposed with comlink on the dedicated port the main side sent in `WorkerInit.adminPort`
 * (never on `parentPort`, which carries the hot-path protocol). See docs/admin.md.
 *
 * comlink would flatten a thrown `Error` into a bare `Error` (class, `code` and fields lost), so every
 * method throws plain {@link ErrorData} instead, which structured clone carries intact; the main
 * side's `AdminClient` rebuilds it into a `DspexError`.
 */
import type { MessagePort } from "node:worker_threads";
import type { ResolvedClientSpec } from "../src/ClientSpec.js";
import { type ErrorData, toErrorData } from "../src/errors.js";
import { portEndpoint } from "../src/portEndpoint.js";
import type { AdminApi, BreakerInfo, CacheInfo, MailboxInfo } from "../src/protocol.js";
import { scrubError } from "../src/redact.js";
import type { ResponseCache } from "./cache/ResponseCache.js";
import type { VectorCache } from "./embed/VectorCache.js";
import { requireCommonJs } from "./loadCommonJs.js";
import type { Mailbox } from "./Mailbox.js";
import type { Breaker } from "./resilience/Breaker.js";

/**
 * comlink ships CommonJS (UMD) as its `main`: imported from ESM, Node would run its CJS export lexer,
 * a WebAssembly module instantiated once per thread (about 1.3 MiB of every idle worker, see
 * docs/decisions.md). `require` needs no lexer.
 */
const { expose } = requireCommonJs<typeof import("comlink")>("comlink");

/** The live parts of one worker that the admin API reads and acts on. */
export interface AdminParts {
  client: ResolvedClientSpec;
  cache: Pick<ResponseCache, "clear" | "entries" | "errors"> | undefined;
  /** The embeddings' per-input cache, when the client embeds and caches. */
  vectors?: Pick<VectorCache, "clear" | "size"> | undefined;
  breaker: Pick<Breaker, "state">;
  mailbox: Pick<Mailbox, "active" | "queued" | "maxConcurrency" | "maxQueue">;
}

/** Builds the admin API over `parts`. Every method answers or throws {@link ErrorData}. */
export function createAdminApi(parts: AdminParts): AdminApi {
  const { client, cache, vectors, breaker, mailbox } = parts;
  const settings = client.cache;
  return {
    clearCache: guarded(client, async () => {
      // The embeddings' vectors go too: "clear the cache" means every answer this client kept.
      const vectorsRemoved = vectors?.size ?? 0;
      vectors?.clear();
      if (cache === undefined) return vectorsRemoved;
      const entries = cache.entries;
      const removed = entries === undefined ? undefined : entries + vectorsRemoved;
      try {
        await cache.clear();
      } catch (error) {
        // A store's error may quote its connection string: name the failure, not the text.
        const name = error instanceof Error ? error.name : typeof error;
        throw {
          code: "ERR_NETWORK",
          message: `the cache store failed to clear (${name})`,
        } satisfies ErrorData;
      }
      return removed;
    }),
    cacheInfo: guarded(client, async (): Promise<CacheInfo> => {
      if (settings === false || cache === undefined) {
        return { enabled: false, entries: 0, maxEntries: 0, ttlMs: 0, store: "none", errors: 0 };
      }
      return {
        enabled: true,
        entries: cache.entries,
        maxEntries: settings.maxEntries,
        ttlMs: settings.ttlMs,
        // The module specifier only: `settings.store.options` may hold a password.
        store: settings.store?.module ?? "memory",
        errors: cache.errors,
      };
    }),
    breaker: guarded(client, async (): Promise<BreakerInfo> => ({ state: breaker.state })),
    mailbox: guarded(
      client,
      async (): Promise<MailboxInfo> => ({
        active: mailbox.active,
        queued: mailbox.queued,
        maxConcurrency: mailbox.maxConcurrency,
        maxQueue: mailbox.maxQueue,
      }),
    ),
  };
}

/** Serves `api` on `port` with comlink. The port lives (and is closed) with the thread. */
export function serveAdmin(port: MessagePort, api: AdminApi): void {
  expose(api, portEndpoint(port));
}

/** `operation`, with any failure thrown as plain, redacted {@link ErrorData} tagged with the client. */
function guarded<T>(client: ResolvedClientSpec, operation: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await operation();
    } catch (error) {
      const data: ErrorData = toErrorData(error);
      throw { ...scrubError(data, client.apiKey), client: client.name } satisfies ErrorData;
    }
  };
}
