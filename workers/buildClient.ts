/**
 * Builds a client's parts inside its worker: the undici pool, the provider, the cache and its key,
 * the breaker (restored from the previous incarnation), the mailbox, the rate gate, and the
 * {@link ClientActor} over them, plus what the admin port reads.
 *
 * Loaded by `startWorker.ts` with a dynamic `import()` when the client is first needed (its first
 * call, stream or admin operation), so that an idle client's thread never loads undici, the
 * providers, cockatiel or the caches (see docs/decisions.md, "Lazy client parts").
 */

import type { TransferListItem } from "node:worker_threads";
import type { FromWorker, WorkerInit } from "../src/protocol.js";
import type { AdminParts } from "./AdminApi.js";
import { ClientActor } from "./ClientActor.js";
import { createCacheKeyer, createTextHasher } from "./cache/CacheKey.js";
import { RequestKeys } from "./cache/RequestKeys.js";
import { ResponseCache } from "./cache/ResponseCache.js";
import { Embeddings } from "./embed/Embeddings.js";
import { EmbedKeys } from "./embed/EmbedKeys.js";
import { StoredVectors } from "./embed/StoredVectors.js";
import { VectorCache } from "./embed/VectorCache.js";
import { createPool } from "./http/Transport.js";
import { LazyStreams } from "./LazyStreams.js";
import { Mailbox } from "./Mailbox.js";
import { UpstreamPipeline } from "./pipeline/UpstreamPipeline.js";
import { embedProviderFor, providerFor } from "./providers/index.js";
import { Breaker } from "./resilience/Breaker.js";
import { sleep } from "./resilience/RetryPolicy.js";
import { limiterReport } from "./traffic/limiterReport.js";
import { RateGate } from "./traffic/RateGate.js";
import { TokenEstimator } from "./traffic/TokenEstimate.js";

/** Posts to the main thread; `transfer` lists buffers moved with the message (see src/Outbox.ts). */
export type Post = (message: FromWorker, transfer?: readonly TransferListItem[]) => void;

/** A built client: its actor, and the parts the admin port reads. */
export interface BuiltClient {
  actor: ClientActor;
  admin: AdminParts;
  /** The trailer of the worker's outbox: the rate limiter's report (see traffic/limiterReport.ts). */
  trailer: () => FromWorker | undefined;
  /** The client's rate gate (its `onChange` pokes the outbox, so a change is reported even when idle). */
  gate: RateGate;
}

/** Builds the client of `init`, posting its answers and events through `post`. */
export async function buildClient(init: WorkerInit, post: Post): Promise<BuiltClient> {
  const client = init.client;
  const [keyer, textHasher, cache] = await Promise.all([
    createCacheKeyer(),
    createTextHasher(),
    client.cache === false
      ? undefined
      : ResponseCache.create(client.cache, {
          onWrites: (writes) => post({ type: "event", event: { kind: "cache", writes } }),
        }),
  ]);
  const breaker = new Breaker(client.breaker, {
    initialState: init.breakerState,
    onChange: (event) => post({ type: "event", event }),
    onCount: (snapshot) => post({ type: "event", event: { kind: "breaker_count", snapshot } }),
  });
  const dispatcher = createPool(client.baseURL, client.maxConcurrency);
  const provider = providerFor(client.provider);
  const mailbox = new Mailbox(client.maxConcurrency, client.maxQueue);
  // The rate gate and token estimator are shared by calls and streams (workers/traffic/).
  const gate = new RateGate(client.limits, Date.now, client.retry.maxRetryAfterMs);
  const estimator = new TokenEstimator();
  const keys = new RequestKeys(client, keyer);
  // Streams share the pool, mailbox, breaker, cache and cache key with calls (see StreamSession.ts);
  // their code loads on the first stream (see LazyStreams.ts).
  const streams = new LazyStreams({
    client,
    provider,
    dispatcher,
    mailbox,
    breaker,
    gate,
    estimator,
    cache,
    cacheKey: (request) => keys.keyOf(request),
    post,
  });
  // Embeddings run through the same pipeline parts (mailbox, breaker, rate gate) as calls (workers/embed/).
  const embedProvider = embedProviderFor(client.provider);
  // With an external store, vectors go to it beside the replies (same namespace, TTL and write-behind).
  const vectors =
    embedProvider === undefined || client.cache === false || cache === undefined
      ? undefined
      : cache.external
        ? new StoredVectors(cache)
        : new VectorCache(client.cache.maxEntries, client.cache.ttlMs);
  const embeddings =
    embedProvider === undefined
      ? undefined
      : new Embeddings({
          client,
          provider: embedProvider,
          dispatcher,
          pipeline: new UpstreamPipeline({
            mailbox,
            breaker,
            post,
            clock: Date.now,
            sleep,
            random: Math.random,
          }),
          gate,
          estimator,
          cache: vectors === undefined ? undefined : { vectors, keys: new EmbedKeys(client, textHasher) },
          post,
        });
  const actor = new ClientActor({
    client,
    post,
    dispatcher,
    provider,
    breaker,
    cache,
    keys,
    mailbox,
    streams,
    embeddings,
    gate,
    estimator,
  });
  return {
    actor,
    admin: { client, cache, vectors: vectors?.kind === "memory" ? vectors : undefined, breaker, mailbox },
    trailer: limiterReport(gate),
    gate,
  };
}
