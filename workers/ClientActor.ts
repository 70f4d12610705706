/**
 * The client actor: everything one client does inside its worker thread, driven by {@link ToWorker}
 * messages and answering with {@link FromWorker} ones. Its parts are injected, so tests run it in
 * process against a loopback server, and `startWorker` wires the real ones.
 *
 * A call goes: cache lookup (mode `use`) -> on a miss, `calls/Flights.ts` (coalescing: identical
 * concurrent misses share one upstream request; then the {@link UpstreamPipeline}: mailbox slot, rate
 * gate, retry loop, breaker; then one attempt over HTTP). A success is stored (modes `use` and
 * `refresh`; `skip` neither reads nor writes) and answered with `cached: false`. Coalescing applies
 * only to calls that use the cache: a `skip` call (or a client without a cache) always gets its own
 * request. Streams go to the {@link StreamHandler}.
 *
 * The deadline (`WireRequest.deadline`) bounds the whole call, queueing and backoff included. Its one
 * owner is the main thread's proxy, which posts `cancel` (reason `timeout`) when it passes; here it
 * only stops retries. A cancelled call is never answered; its queue entry leaves the mailbox, and its request is torn down
 * (a shared request only when every caller sharing it is gone).
 *
 * The cache-hit path is the hot one (the proxy-to-worker round trip is the ceiling): one key, one
 * synchronous lookup (an external store's is awaited), one message; no per-call closures or timers.
 */
import type { Dispatcher } from "undici";
import type { ResolvedClientSpec } from "../src/ClientSpec.js";
import { type ErrorData, toErrorData } from "../src/errors.js";
import type { CallMeta, FromWorker, ToWorker, WireRequest } from "../src/protocol.js";
import type { Reply } from "../src/types.js";
import type { CancelSignal } from "./Cancellation.js";
import type { CacheKeyer } from "./cache/CacheKey.js";
import { RequestKeys } from "./cache/RequestKeys.js";
import type { ResponseCache } from "./cache/ResponseCache.js";
import { Flights } from "./calls/Flights.js";
import { OpenCalls } from "./calls/OpenCalls.js";
import type { EmbedHandler } from "./embed/EmbedDeps.js";
import { Transport } from "./http/Transport.js";
import { Mailbox } from "./Mailbox.js";
import { UpstreamPipeline } from "./pipeline/UpstreamPipeline.js";
import type { Provider } from "./providers/Provider.js";
import type { Breaker } from "./resilience/Breaker.js";
import { sleep } from "./resilience/RetryPolicy.js";
import type { StreamHandler } from "./StreamHandler.js";
import { gateObserver } from "./traffic/passGate.js";
import { RateGate } from "./traffic/RateGate.js";
import { TokenEstimator } from "./traffic/TokenEstimate.js";

/** The response cache as the actor uses it (the real one is `ResponseCache`). */
export type ActorCache = Pick<ResponseCache, "get" | "set" | "entries" | "close">;

/** What a {@link ClientActor} is built from. */
export interface ClientActorDeps {
  client: ResolvedClientSpec;
  /** Sends a message to the main thread. */
  post: (message: FromWorker) => void;
  /** Where HTTP goes (by default a `ConnectionPool` to the client's origin). Closed by `stop`. */
  dispatcher: Dispatcher;
  provider: Provider;
  breaker: Breaker;
  /** Absent when the client's cache is off. */
  cache?: ActorCache | undefined;
  /** Needed with a cache (or `keys`). */
  keyer?: CacheKeyer | undefined;
  /** The worker's request keys, shared with streams; default: made from `keyer`. */
  keys?: RequestKeys | undefined;
  /** Identical concurrent misses share one request (default true); false: each makes its own. */
  coalesce?: boolean | undefined;
  /** Default: `new Mailbox(client.maxConcurrency, client.maxQueue)`. */
  mailbox?: Mailbox;
  streams?: StreamHandler | undefined;
  /** Embeddings (workers/embed/); absent when the provider has none (Anthropic). */
  embeddings?: EmbedHandler | undefined;
  /** Epoch milliseconds (deadlines are epoch ms). Default `Date.now`. */
  clock?: () => number;
  /** Backoff delay. Default: a `setTimeout` that ends early on abort. */
  sleep?: (ms: number, signal: CancelSignal | undefined) => Promise<void>;
  /** Jitter source. Default `Math.random`. */
  random?: () => number;
  /** Default: `new RateGate(client.limits, clock)` (learns from the vendor's headers). */
  gate?: RateGate;
  /** Default: a new one. Shared with streams. */
  estimator?: TokenEstimator;
}

const HIT_META: CallMeta = Object.freeze({ attempts: 0 }) as CallMeta;
const NO_ATTEMPTS: CallMeta = HIT_META;
const STOPPED: ErrorData = Object.freeze({
  code: "ERR_SYSTEM_STOPPED",
  message: "the client is stopping and takes no new calls",
}) as ErrorData;
const NO_EMBEDDINGS: ErrorData = Object.freeze({
  code: "ERR_INVALID_ARGUMENT",
  message: "this client's provider has no embeddings API",
}) as ErrorData;
const NO_STREAMING: ErrorData = Object.freeze({
  code: "ERR_INVALID_ARGUMENT",
  message: "streaming not available",
}) as ErrorData;

/** One client's behaviour inside its worker; see the module comment. */
export class ClientActor {
  readonly #post: (message: FromWorker) => void;
  readonly #transport: Transport;
  readonly #cache: ActorCache | undefined;
  /** Present with a cache: the keys of requests (shared with streams, see RequestKeys). */
  readonly #keys: RequestKeys | undefined;
  readonly #mailbox: Mailbox;
  readonly #streams: StreamHandler | undefined;
  readonly #embeddings: EmbedHandler | undefined;
  readonly #gate: RateGate;
  /** Calls not yet answered: `null` while only a cache lookup is pending (nothing to abort). */
  readonly #calls = new OpenCalls();
  /** The miss path: coalescing, the pipeline, the answers. */
  readonly #flights: Flights;
  #stopping = false;
  #stopped = false;

  constructor(deps: ClientActorDeps) {
    const client = deps.client;
    this.#post = deps.post;
    const clock = deps.clock ?? Date.now;
    const transport = new Transport(deps.dispatcher, deps.provider, client.apiKey, {
      maxBytes: client.maxResponseBytes,
      maxErrorBytes: client.maxErrorBodyBytes,
    });
    this.#transport = transport;
    this.#cache = deps.cache;
    if (this.#cache !== undefined && deps.keyer === undefined && deps.keys === undefined) {
      throw new Error("a cache needs a keyer");
    }
    this.#keys = deps.keys ?? (deps.keyer === undefined ? undefined : new RequestKeys(client, deps.keyer));
    this.#mailbox = deps.mailbox ?? new Mailbox(client.maxConcurrency, client.maxQueue);
    this.#streams = deps.streams;
    this.#embeddings = deps.embeddings;
    const gate = deps.gate ?? new RateGate(client.limits, clock, client.retry.maxRetryAfterMs);
    this.#gate = gate;
    gate.onCooldown = (until) => this.#post({ type: "event", event: { kind: "cooldown", until } });
    // A 2xx answer's headers are read with its reply (passGate); the others' here.
    transport.observe = gateObserver(gate);
    const pipeline = new UpstreamPipeline({
      mailbox: this.#mailbox,
      breaker: deps.breaker,
      post: deps.post,
      clock,
      sleep: deps.sleep ?? sleep,
      random: deps.random ?? Math.random,
    });
    this.#flights = new Flights({
      client,
      post: deps.post,
      provider: deps.provider,
      transport,
      pipeline,
      cache: this.#cache,
      coalesce: deps.coalesce !== false,
      mailbox: this.#mailbox,
      clock,
      gate,
      estimator: deps.estimator ?? new TokenEstimator(),
      calls: this.#calls,
    });
  }

  /** Calls not yet answered (cancelled ones excluded). */
  get inFlight(): number {
    return this.#calls.size;
  }

  /** The mailbox (for inspection and for the streaming module, which shares its slots). */
  get mailbox(): Mailbox {
    return this.#mailbox;
  }

  /** Handles one message from the main thread. Never throws. */
  handle(message: ToWorker): void {
    switch (message.type) {
      case "call":
        void this.#call(message.id, message.request);
        return;
      case "cancel":
        this.#cancel(message.id);
        return;
      case "stream":
        if (this.#stopping) this.#post({ type: "error", id: message.id, error: STOPPED, meta: NO_ATTEMPTS });
        else if (this.#streams === undefined)
          this.#post({ type: "error", id: message.id, error: NO_STREAMING, meta: NO_ATTEMPTS });
        else this.#streams.start(message);
        return;
      case "credit":
        this.#streams?.credit(message);
        return;
      case "embed":
        if (this.#stopping) this.#post({ type: "error", id: message.id, error: STOPPED, meta: NO_ATTEMPTS });
        else if (this.#embeddings === undefined)
          this.#post({ type: "error", id: message.id, error: NO_EMBEDDINGS, meta: NO_ATTEMPTS });
        else this.#embeddings.start(message);
        return;
      case "stop":
        void this.stop(message.graceMs);
        return;
      case "batch":
        for (const m of message.messages) this.handle(m);
        return;
    }
  }

  async #call(id: number, request: WireRequest): Promise<void> {
    try {
      if (this.#stopping) {
        this.#post({ type: "error", id, error: STOPPED, meta: NO_ATTEMPTS });
        return;
      }
      const cache = this.#cache;
      let key: string | undefined;
      if (cache !== undefined && request.cache !== "skip") {
        try {
          key = (this.#keys as RequestKeys).keyOf(request);
        } catch (error) {
          // Input the keyer cannot serialize could not be sent upstream either.
          this.#post({
            type: "error",
            id,
            error: toErrorData(error, "ERR_INVALID_ARGUMENT"),
            meta: NO_ATTEMPTS,
          });
          return;
        }
        if (request.cache === "use") {
          let hit: Reply | undefined;
          try {
            const lookup = cache.get(key);
            if (lookup instanceof Promise) {
              // An external store answers later: the call may be cancelled (or abandoned) meanwhile.
              this.#calls.set(id, null);
              hit = await lookup;
              if (!this.#calls.has(id)) return;
              this.#calls.delete(id);
            } else {
              hit = lookup;
            }
          } catch {
            hit = undefined; // a cache never fails a call: a broken lookup is a miss
          }
          if (hit !== undefined) {
            this.#post({ type: "reply", id, reply: hit, meta: HIT_META });
            this.#calls.checkDrained();
            return;
          }
        }
      }
      this.#flights.miss(id, request, key);
    } catch (error) {
      // Only a bug gets here: answer (unless already answered or cancelled), never hang.
      const call = this.#calls.get(id);
      if (this.#calls.has(id) && call?.done !== true) {
        this.#calls.finish(id, call ?? null);
        this.#post({
          type: "error",
          id,
          error: toErrorData(error, "ERR_INVALID_ARGUMENT"),
          meta: NO_ATTEMPTS,
        });
      }
    }
  }

  #cancel(id: number): void {
    const call = this.#calls.get(id);
    if (call === undefined) {
      if (!this.#calls.has(id) && this.#streams?.cancel(id) !== true) this.#embeddings?.cancel(id);
      return;
    }
    this.#calls.finish(id, call);
    if (call !== null) this.#flights.leave(call);
  }

  /**
   * Graceful stop: new calls get `ERR_SYSTEM_STOPPED`, calls in flight get up to `graceMs`, the rest are
   * cancelled (not answered: the main side settles them); then the pool and the cache close and
   * `stopped` is posted. Idempotent.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const streamsStopped = this.#streams?.stop?.(graceMs) ?? Promise.resolve(0);
    const embedsStopped = this.#embeddings?.stop(graceMs) ?? Promise.resolve(0);
    await this.#calls.drain(graceMs);
    let abandoned = this.#calls.abandonAll((call) => this.#flights.leave(call));
    abandoned += await streamsStopped.catch(() => 0);
    abandoned += await embedsStopped.catch(() => 0);
    this.#gate.close();
    await this.#transport.dispatcher.destroy().catch(() => undefined);
    await this.#cache?.close().catch(() => undefined);
    this.#stopped = true;
    this.#post({ type: "stopped", abandoned });
  }

  /** True once `stop` has finished. */
  get stopped(): boolean {
    return this.#stopped;
  }
}
