/**
 * Builds a client's parts inside its worker: the undici pool, the provider, the cache and its key,
 * the breaker (restored from the previous incarnation), the mailbox, the rate gate, and the
 * {@link ClientActor} over them, plus what the admin port reads.
 *
 * Loaded by `startWorker.ts` with a dynamic `import()` when the client is first needed (its first
 * call, stream or admin operation), so that an idle client's thread never loads undici, the
 * providers, cockatiel or the caches (see docs/decisions.md, "Lazy client parts").
 */

import type { FromWorker, WorkerInit } from "../src/protocol.js";
import type { AdminParts } from "./AdminApi.js";
import { ClientActor } from "./ClientActor.js";
import { createCacheKeyer } from "./cache/CacheKey.js";
import { RequestKeys } from "./cache/RequestKeys.js";
import { ResponseCache } from "./cache/ResponseCache.js";
import { createPool } from "./http/Transport.js";
import { LazyStreams } from "./LazyStreams.js";
import { Mailbox } from "./Mailbox.js";
import { providerFor } from "./providers/index.js";
import { Breaker } from "./resilience/Breaker.js";
import { RateGate } from "./traffic/RateGate.js";
import { TokenEstimator } from "./traffic/TokenEstimate.js";

/** A built client: its actor, and the parts the admin port reads. */
export interface BuiltClient {
  actor: ClientActor;
  admin: AdminParts;
}

/** Builds the client of `init`, posting its answers and events through `post`. */
export async function buildClient(
  init: WorkerInit,
  post: (message: FromWorker) => void,
): Promise<BuiltClient> {
  const client = init.client;
  const [keyer, cache] = await Promise.all([
    createCacheKeyer(),
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
    gate,
    estimator,
  });
  return { actor, admin: { client, cache, breaker, mailbox } };
}
