/**
 * The client actor: everything one client does inside its worker thread, driven by {@link ToWorker}
 * messages and answering with {@link FromWorker} ones. Its parts are injected, so tests run it in
 * process against a loopback server, and `startWorker` wires the real ones.
 *
 * A call goes: cache lookup (mode `use`) -> on a miss, coalescing (identical concurrent misses share
 * one upstream request) -> the {@link UpstreamPipeline} (mailbox slot, retry loop, breaker) -> one
 * attempt over HTTP. A success is stored (modes `use` and `refresh`; `skip` neither reads nor
 * writes) and answered with `cached: false`. Coalescing applies only to calls that use the cache:
 * a `skip` call (or a client without a cache) always gets its own request.
 *
 * A shared request runs with its first caller's `attemptTimeoutMs` and `maxRetries`, and lasts until
 * the latest of its callers' deadlines: a caller leaves at its own deadline without cutting it short
 * for the others.
 *
 * The deadline (`WireRequest.deadline`) bounds the whole call, queueing and backoff included. Its one
 * owner is the main thread's proxy, which posts `cancel` (reason `timeout`) when it passes; here it
 * only stops retries. A cancelled call is never answered; its queue entry leaves the mailbox, and its request is torn down
 * (a shared request only when every caller sharing it is gone).
 *
 * The cache-hit path is the hot one (the proxy-to-worker round trip is the ceiling): one key, one
 * synchronous lookup (an external store's is awaited), one message; no per-call closures or timers.
 * A miss costs one `Call` (no timer: the deadline is the proxy's) and, for the caller that starts it, one `Flight`: the
 * callers waiting on one fetch are a list, answered together when it lands, not promises.
 */
import type { Dispatcher } from "undici";
import type { ResolvedClientSpec } from "../src/ClientSpec.js";
import { type ErrorCode, type ErrorData, toErrorData } from "../src/errors.js";
import type { CallMeta, FromWorker, ToWorker, WireRequest } from "../src/protocol.js";
import type { Reply } from "../src/types.js";
import type { CancelSignal } from "./Cancellation.js";
import type { CacheKeyer } from "./cache/CacheKey.js";
import { Coalescer, type Flight } from "./cache/Coalescer.js";
import { RequestKeys } from "./cache/RequestKeys.js";
import { copyReply, type ResponseCache } from "./cache/ResponseCache.js";
import type { EmbedHandler } from "./embed/Embeddings.js";
import type { AttemptFailure } from "./http/AttemptFailure.js";
import { Transport } from "./http/Transport.js";
import { Mailbox } from "./Mailbox.js";
import {
  notAttempted,
  type PipelineParts,
  PipelineRun,
  UpstreamPipeline,
} from "./pipeline/UpstreamPipeline.js";
import type { Provider, UpstreamRequest } from "./providers/Provider.js";
import type { Breaker } from "./resilience/Breaker.js";
import { type RetryOutcome, type RetryPlan, sleep } from "./resilience/RetryPolicy.js";
import { passGate, settleReply } from "./traffic/passGate.js";
import { gateRefusal, RateGate } from "./traffic/RateGate.js";
import { TokenEstimator } from "./traffic/TokenEstimate.js";

/** The response cache as the actor uses it (the real one is `ResponseCache`). */
export type ActorCache = Pick<ResponseCache, "get" | "set" | "entries" | "close">;

/** Streaming, plugged in by the streaming module. */
export interface StreamHandler {
  /** Starts a stream; the handler answers with `chunk`/`end`/`error` messages. */
  start(message: Extract<ToWorker, { type: "stream" }>): void;
  /** The consumer took `n` chunks. */
  credit(message: Extract<ToWorker, { type: "credit" }>): void;
  /** Tears a stream down; no answer. Returns false when no stream has that id. */
  cancel(id: number): boolean;
  /** Graceful stop: let streams finish within `graceMs`, cancel the rest; resolves with how many were cut. */
  stop?(graceMs: number): Promise<number>;
}

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

/** A miss in progress, owned by one caller. */
class Call {
  /** Answered, cancelled or abandoned: nothing more is posted for it. */
  done = false;
  /** The fetch it waits on (its own, or one it joined). */
  flight: Flight<Call> | undefined = undefined;
  /** Upstream attempts so far, when it owns its flight (for the meta of a call that runs out of time). */
  attempts = 0;
  upstreamErrors: ErrorCode[] | undefined = undefined;
  constructor(readonly id: number) {}
}

/** The result of one upstream fetch (what every caller on its flight receives). */
type Fetched = RetryOutcome<Reply>;

const failed: (error: ErrorData) => Fetched = notAttempted;

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

/** One flight's passage through the pipeline. */
class FlightRun extends PipelineRun {
  readonly #flight: Flight<Call>;

  constructor(plan: RetryPlan, flight: Flight<Call>, parts: PipelineParts) {
    super(plan, parts);
    this.#flight = flight;
  }

  /** Read at each decision: followers may have pushed it later since the request started. */
  get deadline(): number {
    return this.#flight.deadline;
  }

  get signal(): CancelSignal {
    return this.#flight.signal;
  }

  protected get callId(): number {
    return this.#flight.owner.id;
  }

  /** Counts the retry on the flight's owner (its meta if it times out). */
  protected override noteRetry(attempt: number, failure: AttemptFailure): void {
    const owner = this.#flight.owner;
    owner.attempts = attempt;
    owner.upstreamErrors ??= [];
    owner.upstreamErrors.push(failure.data.code);
  }
}

/** One client's behaviour inside its worker; see the module comment. */
export class ClientActor {
  readonly #client: ResolvedClientSpec;
  readonly #post: (message: FromWorker) => void;
  readonly #transport: Transport;
  readonly #provider: Provider;
  readonly #pipeline: UpstreamPipeline;
  readonly #cache: ActorCache | undefined;
  /** Present with a cache: the keys of requests (shared with streams, see RequestKeys). */
  readonly #keys: RequestKeys | undefined;
  readonly #coalescer = new Coalescer<Call>();
  /** False: every miss gets a flight of its own (`ClientActorDeps.coalesce`). */
  readonly #coalesce: boolean;
  readonly #mailbox: Mailbox;
  readonly #streams: StreamHandler | undefined;
  readonly #embeddings: EmbedHandler | undefined;
  readonly #clock: () => number;
  readonly #gate: RateGate;
  readonly #estimator: TokenEstimator;
  /** Calls not yet answered: `null` while only a cache lookup is pending (nothing to abort). */
  readonly #calls = new Map<number, Call | null>();
  #stopping = false;
  #stopped = false;
  #drained: (() => void) | undefined;

  constructor(deps: ClientActorDeps) {
    const client = deps.client;
    this.#client = client;
    this.#post = deps.post;
    this.#provider = deps.provider;
    this.#clock = deps.clock ?? Date.now;
    this.#transport = new Transport(deps.dispatcher, deps.provider, client.apiKey, {
      maxBytes: client.maxResponseBytes,
      maxErrorBytes: client.maxErrorBodyBytes,
    });
    this.#cache = deps.cache;
    if (this.#cache !== undefined && deps.keyer === undefined && deps.keys === undefined) {
      throw new Error("a cache needs a keyer");
    }
    this.#keys = deps.keys ?? (deps.keyer === undefined ? undefined : new RequestKeys(client, deps.keyer));
    this.#coalesce = deps.coalesce !== false;
    this.#mailbox = deps.mailbox ?? new Mailbox(client.maxConcurrency, client.maxQueue);
    this.#streams = deps.streams;
    this.#embeddings = deps.embeddings;
    const gate = deps.gate ?? new RateGate(client.limits, this.#clock, client.retry.maxRetryAfterMs);
    this.#gate = gate;
    this.#estimator = deps.estimator ?? new TokenEstimator();
    gate.onCooldown = (until) => this.#post({ type: "event", event: { kind: "cooldown", until } });
    // A 2xx answer's headers are read with its reply (passGate); the others' here.
    this.#transport.observe = (status, info) => {
      if (status >= 300 && info?.rateLimit !== undefined) gate.learn(info.rateLimit);
    };
    this.#pipeline = new UpstreamPipeline({
      mailbox: this.#mailbox,
      breaker: deps.breaker,
      post: deps.post,
      clock: this.#clock,
      sleep: deps.sleep ?? sleep,
      random: deps.random ?? Math.random,
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
            if (this.#drained !== undefined) this.#checkDrained();
            return;
          }
        }
      }
      this.#miss(id, request, key);
    } catch (error) {
      // Only a bug gets here: answer (unless already answered or cancelled), never hang.
      const call = this.#calls.get(id);
      if (this.#calls.has(id) && call?.done !== true) {
        this.#finish(id, call ?? null);
        this.#post({
          type: "error",
          id,
          error: toErrorData(error, "ERR_INVALID_ARGUMENT"),
          meta: NO_ATTEMPTS,
        });
      }
    }
  }

  /**
   * A miss: the call joins the flight in progress for its key or starts one. Answers come from `#fly`
   * (or never for a cancelled call). The call's deadline has one owner, the main thread's proxy
   * (src/PendingCall.ts): when it passes, the proxy rejects the call and posts `cancel` (reason
   * `timeout`), which takes the call off its flight here and, for the last caller, tears the upstream
   * request down. This side keeps no timer per call; it only stops retrying past the deadline, and
   * answers at once a call that arrives already past it.
   */
  #miss(id: number, request: WireRequest, key: string | undefined): void {
    const call = new Call(id);
    this.#calls.set(id, call);
    const remaining = request.deadline - this.#clock();
    if (remaining <= 0) {
      this.#expire(call);
      return;
    }
    const flight = this.#coalescer.join(this.#coalesce ? key : undefined, call, request.deadline);
    call.flight = flight;
    if (flight.owner === call) void this.#fly(flight, request, key);
  }

  /** Runs a flight's fetch, then answers every caller still on it. Never rejects. */
  async #fly(flight: Flight<Call>, request: WireRequest, key: string | undefined): Promise<void> {
    let outcome: Fetched;
    let cacheEntries: number | undefined;
    try {
      outcome = await this.#fetch(request, flight);
      if (outcome.ok && key !== undefined && this.#cache !== undefined) {
        // Never awaited: an external store's write goes behind the answer (see ResponseCache).
        this.#cache.set(key, outcome.value);
        cacheEntries = this.#cache.entries;
      }
    } catch (error) {
      // Only a bug gets here: answer the callers all the same, never hang.
      outcome = failed(toErrorData(error, "ERR_BAD_RESPONSE"));
    }
    this.#coalescer.land(flight);
    const callers = flight.callers;
    let first = true;
    for (const call of callers) {
      if (call.done) continue;
      this.#finish(call.id, call);
      // Only the owner's answer carries the attempts it made and their errors.
      const owner = call === flight.owner;
      const meta: CallMeta = { attempts: owner ? outcome.attempts : 0 };
      if (owner && outcome.upstreamErrors !== undefined) meta.upstreamErrors = outcome.upstreamErrors;
      if (owner && outcome.timings !== undefined) meta.timings = outcome.timings;
      if (cacheEntries !== undefined) meta.cacheEntries = cacheEntries;
      if (owner && this.#gate.limited) meta.limiter = this.#gate.snapshot();
      // Every caller after the first gets its own copy: replies batched into one message would
      // otherwise arrive as one shared object on the main side, and one caller's mutation would show
      // in another's reply.
      if (outcome.ok) {
        this.#post({
          type: "reply",
          id: call.id,
          reply: first ? outcome.value : copyReply(outcome.value),
          meta,
        });
      } else {
        this.#post({ type: "error", id: call.id, error: outcome.error, meta });
      }
      first = false;
    }
  }

  /**
   * One upstream fetch for a flight: the pipeline (slot, retries, breaker), then HTTP. Never rejects. A shared
   * request is not cut at any one caller's deadline: each caller leaves at its own (its timer), and the
   * request is torn down when the last one has left (the flight's signal). Retries stop at the latest
   * caller's deadline.
   */
  async #fetch(request: WireRequest, flight: Flight<Call>): Promise<Fetched> {
    let upstream: UpstreamRequest;
    try {
      upstream = this.#provider.buildRequest(this.#client, request, false);
      if (request.traceparent !== undefined) upstream.headers.traceparent = request.traceparent;
    } catch (error) {
      return failed(toErrorData(error, "ERR_INVALID_ARGUMENT"));
    }
    const signal = flight.signal;
    const transport = this.#transport;
    const gate = this.#gate;
    const estimator = this.#estimator;
    if (gate.limited) {
      // Refused now rather than after a wait in the mailbox that could not end before the deadline.
      const tokens = gate.countsTokens ? estimator.estimate(request) : 0;
      const wait = gate.expectedWaitMs(this.#mailbox.queued, tokens);
      if (this.#clock() + wait > flight.deadline) return failed(gateRefusal(wait).data);
    }
    const attempt = () => transport.send(upstream, signal, request.attemptTimeoutMs);
    // Every attempt (retries too) passes the rate gate, inside the breaker (src: traffic/passGate.ts).
    const send = (): Promise<Reply> => {
      const tokens = gate.countsTokens ? estimator.estimate(request) : 0;
      return passGate(gate, tokens, flight.deadline, signal, attempt, (reply) => {
        estimator.learn(request, reply.usage);
        return settleReply(gate, reply, tokens);
      });
    };
    const retry = this.#client.retry;
    const plan =
      request.maxRetries === retry.maxRetries ? retry : { ...retry, maxRetries: request.maxRetries };
    const run = new FlightRun(plan, flight, this.#pipeline.parts);
    if (request.timing === true) run.timings = [];
    return this.#pipeline.run(send, run);
  }

  /** `call` stops waiting on its flight; the last caller out tears the flight down. */
  #leave(call: Call): void {
    const flight = call.flight;
    if (flight === undefined) return;
    call.flight = undefined;
    this.#coalescer.leave(flight, call);
  }

  #expire(call: Call): void {
    this.#finish(call.id, call);
    this.#leave(call);
    const meta: CallMeta = { attempts: call.attempts };
    if (call.upstreamErrors !== undefined) meta.upstreamErrors = call.upstreamErrors;
    this.#post({
      type: "error",
      id: call.id,
      error: { code: "ERR_TIMEOUT", message: "the call's deadline passed" },
      meta,
    });
  }

  #finish(id: number, call: Call | null): void {
    if (call !== null) call.done = true;
    this.#calls.delete(id);
    if (this.#drained !== undefined) this.#checkDrained();
  }

  #cancel(id: number): void {
    const call = this.#calls.get(id);
    if (call === undefined) {
      if (!this.#calls.has(id) && this.#streams?.cancel(id) !== true) this.#embeddings?.cancel(id);
      return;
    }
    this.#finish(id, call);
    if (call !== null) this.#leave(call);
  }

  #checkDrained(): void {
    if (this.#calls.size === 0) this.#drained?.();
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
    if (this.#calls.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
    }
    let abandoned = this.#calls.size;
    for (const [id, call] of this.#calls) {
      this.#calls.delete(id);
      if (call !== null) {
        call.done = true;
        this.#leave(call);
      }
    }
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
