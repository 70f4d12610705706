/**
 * The cache-miss path of calls: a miss joins the flight in progress for its key or starts one
 * (identical concurrent misses share one upstream request, see `cache/Coalescer.ts`), the flight runs
 * through the {@link UpstreamPipeline} (mailbox slot, rate gate, retry loop, breaker) to one HTTP
 * attempt at a time, and every caller still on it is answered when it lands.
 *
 * A shared request runs with its first caller's `attemptTimeoutMs` and `maxRetries`, and lasts until
 * the latest of its callers' deadlines: a caller leaves at its own deadline without cutting it short
 * for the others; the last caller out tears the request down.
 *
 * A miss costs one `Call` (no timer: the deadline is the proxy's) and, for the caller that starts it,
 * one `Flight`: the callers waiting on one fetch are a list, answered together when it lands, not
 * promises.
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { type ErrorData, toErrorData } from "../../src/errors.js";
import type { CallMeta, FromWorker, WireRequest } from "../../src/protocol.js";
import type { Reply } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { Coalescer, type Flight } from "../cache/Coalescer.js";
import type { ResponseCache } from "../cache/ResponseCache.js";
import { copyReply } from "../cache/replyCopy.js";
import type { AttemptFailure } from "../http/AttemptFailure.js";
import type { Transport } from "../http/Transport.js";
import type { Mailbox } from "../Mailbox.js";
import {
  notAttempted,
  type PipelineParts,
  PipelineRun,
  type UpstreamPipeline,
} from "../pipeline/UpstreamPipeline.js";
import type { Provider, UpstreamRequest } from "../providers/Provider.js";
import type { RetryOutcome, RetryPlan } from "../resilience/RetryPolicy.js";
import { gateRefusal } from "../traffic/gateRefusal.js";
import { passGate, settleReply } from "../traffic/passGate.js";
import type { RateGate } from "../traffic/RateGate.js";
import type { TokenEstimator } from "../traffic/TokenEstimate.js";
import { Call, type OpenCalls } from "./OpenCalls.js";

/** The result of one upstream fetch (what every caller on its flight receives). */
type Fetched = RetryOutcome<Reply>;

const failed: (error: ErrorData) => Fetched = notAttempted;

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

/** What the miss path is built from: the actor's parts. */
export interface FlightParts {
  readonly client: ResolvedClientSpec;
  readonly post: (message: FromWorker) => void;
  readonly provider: Provider;
  readonly transport: Transport;
  readonly pipeline: UpstreamPipeline;
  /** Absent when the client's cache is off. */
  readonly cache: Pick<ResponseCache, "set" | "entries"> | undefined;
  /** False: every miss gets a flight of its own. */
  readonly coalesce: boolean;
  readonly mailbox: Mailbox;
  readonly clock: () => number;
  readonly gate: RateGate;
  readonly estimator: TokenEstimator;
  /** The actor's unanswered calls: a miss is listed there until answered. */
  readonly calls: OpenCalls;
}

/** The cache misses of one worker; see the module comment. */
export class Flights {
  readonly #client: ResolvedClientSpec;
  readonly #post: (message: FromWorker) => void;
  readonly #provider: Provider;
  readonly #transport: Transport;
  readonly #pipeline: UpstreamPipeline;
  readonly #cache: Pick<ResponseCache, "set" | "entries"> | undefined;
  readonly #coalescer = new Coalescer<Call>();
  readonly #coalesce: boolean;
  readonly #mailbox: Mailbox;
  readonly #clock: () => number;
  readonly #gate: RateGate;
  readonly #estimator: TokenEstimator;
  readonly #calls: OpenCalls;

  constructor(parts: FlightParts) {
    this.#client = parts.client;
    this.#post = parts.post;
    this.#provider = parts.provider;
    this.#transport = parts.transport;
    this.#pipeline = parts.pipeline;
    this.#cache = parts.cache;
    this.#coalesce = parts.coalesce;
    this.#mailbox = parts.mailbox;
    this.#clock = parts.clock;
    this.#gate = parts.gate;
    this.#estimator = parts.estimator;
    this.#calls = parts.calls;
  }

  /**
   * A miss: the call joins the flight in progress for its key or starts one. Answers come from `#fly`
   * (or never for a cancelled call). The call's deadline has one owner, the main thread's proxy
   * (src/PendingCall.ts): when it passes, the proxy rejects the call and posts `cancel` (reason
   * `timeout`), which takes the call off its flight here and, for the last caller, tears the upstream
   * request down. This side keeps no timer per call; it only stops retrying past the deadline, and
   * answers at once a call that arrives already past it.
   */
  miss(id: number, request: WireRequest, key: string | undefined): void {
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

  /** `call` stops waiting on its flight; the last caller out tears the flight down. */
  leave(call: Call): void {
    const flight = call.flight;
    if (flight === undefined) return;
    call.flight = undefined;
    this.#coalescer.leave(flight, call);
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
      this.#calls.finish(call.id, call);
      // Only the owner's answer carries the attempts it made and their errors.
      const owner = call === flight.owner;
      const meta: CallMeta = { attempts: owner ? outcome.attempts : 0 };
      if (owner && outcome.upstreamErrors !== undefined) meta.upstreamErrors = outcome.upstreamErrors;
      if (owner && outcome.timings !== undefined) meta.timings = outcome.timings;
      if (cacheEntries !== undefined) meta.cacheEntries = cacheEntries;
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
      return passGate(
        gate,
        tokens,
        flight.deadline,
        signal,
        attempt,
        (reply, ticket) => {
          estimator.learn(request, reply.usage);
          return settleReply(gate, reply, tokens, ticket);
        },
        run.timings,
      );
    };
    const retry = this.#client.retry;
    const plan =
      request.maxRetries === retry.maxRetries ? retry : { ...retry, maxRetries: request.maxRetries };
    const run = new FlightRun(plan, flight, this.#pipeline.parts);
    if (request.timing === true) run.timings = [];
    return this.#pipeline.run(send, run);
  }

  #expire(call: Call): void {
    this.#calls.finish(call.id, call);
    this.leave(call);
    const meta: CallMeta = { attempts: call.attempts };
    if (call.upstreamErrors !== undefined) meta.upstreamErrors = call.upstreamErrors;
    this.#post({
      type: "error",
      id: call.id,
      error: { code: "ERR_TIMEOUT", message: "the call's deadline passed" },
      meta,
    });
  }
}
