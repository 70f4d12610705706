/**
 * Boots a client inside its worker thread: builds the real parts (undici pool, cache, xxhash keyer,
 * coalescer, breaker restored from the previous incarnation), wires the port to a {@link ClientActor},
 * and posts `ready` only once all of that succeeded. A failure rejects before `ready`: the thread
 * dies with the error and the main side reports a start failure.
 *
 * Kept apart from `entry.ts` (which only calls it) so a test fixture can wrap the real worker: import
 * this from `dist/workers/startWorker.js`, add its own fault listener, then start.
 */

import { type MessagePort, parentPort, threadId } from "node:worker_threads";
import { Outbox, unbatch } from "../src/Outbox.js";
import type { FromWorker, ToWorker, WorkerInit } from "../src/protocol.js";
import { createAdminApi, serveAdmin } from "./AdminApi.js";
import { ClientActor } from "./ClientActor.js";
import { createCacheKeyer, createTextHasher } from "./cache/CacheKey.js";
import { RequestKeys } from "./cache/RequestKeys.js";
import { ResponseCache } from "./cache/ResponseCache.js";
import { Embeddings } from "./embed/Embeddings.js";
import { EmbedKeys } from "./embed/EmbedKeys.js";
import { VectorCache } from "./embed/VectorCache.js";
import { createPool } from "./http/Transport.js";
import { LazyStreams } from "./LazyStreams.js";
import { Mailbox } from "./Mailbox.js";
import { UpstreamPipeline } from "./pipeline/UpstreamPipeline.js";
import { embedProviderFor, providerFor } from "./providers/index.js";
import { Breaker } from "./resilience/Breaker.js";
import { sleep } from "./resilience/RetryPolicy.js";
import { RateGate } from "./traffic/RateGate.js";
import { TokenEstimator } from "./traffic/TokenEstimate.js";

/**
 * Starts the client described by `init` on `port` (default: this thread's `parentPort`) and resolves
 * with its actor once `ready` has been posted.
 */
export async function startWorker(
  init: WorkerInit,
  port: MessagePort | null = parentPort,
): Promise<ClientActor> {
  if (port === null) throw new Error("startWorker runs inside a worker thread (no parentPort here)");
  const client = init.client;
  // Replies, chunks and events leave batched per event-loop turn (see src/Outbox.ts).
  // An answer that cannot be cloned fails its one call instead of the batch (see src/Outbox.ts).
  const outbox = new Outbox<FromWorker>(port, "immediate", (message, error) => {
    if (
      message.type !== "reply" &&
      message.type !== "chunk" &&
      message.type !== "end" &&
      message.type !== "embedded"
    )
      return;
    const why = error instanceof Error ? error.message : String(error);
    outbox.post({
      type: "error",
      id: message.id,
      error: { code: "ERR_BAD_RESPONSE", message: `the answer could not cross to the main thread (${why})` },
      meta: { attempts: 0 },
    });
  });
  const post = (message: FromWorker) => outbox.post(message);
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
          cache:
            client.cache === false
              ? undefined
              : {
                  vectors: new VectorCache(client.cache.maxEntries, client.cache.ttlMs),
                  keys: new EmbedKeys(client, textHasher),
                },
          post: (message, transfer) => outbox.post(message, transfer),
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
  const handle = (message: ToWorker) => actor.handle(message);
  port.on("message", (message: ToWorker) => unbatch(message, handle));
  // The admin port (comlink, slow path; see AdminApi.ts): served before "ready", so the main side can
  // use it as soon as it sees the worker ready.
  if (init.adminPort !== undefined) {
    serveAdmin(init.adminPort, createAdminApi({ client, cache, breaker, mailbox }));
  }
  post({ type: "ready", threadId });
  return actor;
}
