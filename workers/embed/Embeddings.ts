/**
 * The `embed` requests of one worker: the `embeddings` dependency of the client actor, which hands it
 * the `embed` messages and the cancels of their ids.
 *
 * An `embed` goes: each input keyed on its own (`EmbedKeys.ts`) -> looked up in the per-input cache
 * (`VectorCache.ts`, mode `use`) -> the rest joined to the flight in progress for the same input, or
 * made a flight of this job's (`Coalescer`, as calls use it; identical inputs of one request share one)
 * -> this job's flights split into the provider's batches (`batches.ts`) and sent through the worker's
 * {@link UpstreamPipeline} (mailbox slot, rate gate, retry loop, breaker, attempt), at most
 * `maxConcurrency` batches of one job at once so a large request never overruns the mailbox's queue
 * -> each landed vector stored and handed to every job waiting on it -> a job with every position
 * filled is answered with its vectors in one transferred buffer (`embedReply.ts`).
 *
 * A failed batch fails the jobs waiting on its inputs (each with the batch's error); a failed,
 * cancelled or timed-out job leaves its flights, and a batch none of whose inputs is wanted any more
 * is torn down (`BatchRun.ts`). Deadlines have one owner, the main thread's proxy, as for calls: here
 * they only stop retries, and a request that arrives past its deadline is answered `ERR_TIMEOUT`.
 */
import type { TransferListItem } from "node:worker_threads";
import type { Dispatcher } from "undici";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { type ErrorData, toErrorData } from "../../src/errors.js";
import { IdMap } from "../../src/IdMap.js";
import type { FromWorker, ToWorker } from "../../src/protocol.js";
import { Coalescer, type Flight } from "../cache/Coalescer.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import { Transport } from "../http/Transport.js";
import type { UpstreamPipeline } from "../pipeline/UpstreamPipeline.js";
import type { EmbedBatch, EmbedProvider } from "../providers/EmbedProvider.js";
import type { RetryOutcome } from "../resilience/RetryPolicy.js";
import { passGate } from "../traffic/passGate.js";
import type { RateGate } from "../traffic/RateGate.js";
import type { TokenEstimator } from "../traffic/TokenEstimate.js";
import { BatchRun } from "./BatchRun.js";
import { splitBatches } from "./batches.js";
import { EmbedJob } from "./EmbedJob.js";
import type { EmbedKeys } from "./EmbedKeys.js";
import { embedReplyMessage } from "./embedReply.js";
import type { CachedVector, VectorCache } from "./VectorCache.js";

/** The message that starts an `embed`. */
export type EmbedMessage = Extract<ToWorker, { type: "embed" }>;

/** What the client actor needs from the embeddings module. */
export interface EmbedHandler {
  start(message: EmbedMessage): void;
  /** Stops an `embed` (no answer); false when no `embed` has that id. */
  cancel(id: number): boolean;
  /** Graceful stop: `embed`s get up to `graceMs`, the rest are cancelled; resolves with how many were cut. */
  stop(graceMs: number): Promise<number>;
}

/** What the embeddings of a worker are built from: the parts calls use. */
export interface EmbedDeps {
  readonly client: ResolvedClientSpec;
  readonly provider: EmbedProvider;
  readonly dispatcher: Dispatcher;
  /** The worker's pipeline (its mailbox and breaker are the calls'). */
  readonly pipeline: UpstreamPipeline;
  readonly gate: RateGate;
  readonly estimator: TokenEstimator;
  /** With a cache: the per-input cache and its keys. */
  readonly cache?: { vectors: VectorCache; keys: EmbedKeys } | undefined;
  /** Identical inputs in flight share one (default true). */
  readonly coalesce?: boolean;
  /** Posts to the main thread; `transfer` lists buffers moved with the message. */
  post(message: FromWorker, transfer?: readonly TransferListItem[]): void;
  readonly clock?: () => number;
}

/** One input this job fetches for every job that waits on it. */
interface Owned {
  readonly flight: Flight<EmbedJob>;
  readonly input: string;
  /** Its cache key, when it is stored. */
  readonly key: string | undefined;
}

const STOPPED: ErrorData = {
  code: "ERR_SYSTEM_STOPPED",
  message: "the client is stopping and takes no new calls",
};

/** See the module comment. */
export class Embeddings implements EmbedHandler {
  readonly #deps: EmbedDeps;
  readonly #transport: Transport<EmbedProvider>;
  readonly #coalescer = new Coalescer<EmbedJob>();
  /** An {@link IdMap}, not a `Map`: one insert and one delete per call (see src/IdMap.ts for why). */
  readonly #jobs = new IdMap<EmbedJob>();
  readonly #clock: () => number;
  #stopping = false;
  #idle: (() => void) | undefined;

  constructor(deps: EmbedDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
    const client = deps.client;
    this.#transport = new Transport(deps.dispatcher, deps.provider, client.apiKey, {
      maxBytes: client.maxResponseBytes,
      maxErrorBytes: client.maxErrorBodyBytes,
    });
    // A 2xx answer's headers are read with its batch (passGate); the others' here.
    this.#transport.observe = (status, info) => {
      if (status >= 300 && info?.rateLimit !== undefined) deps.gate.learn(info.rateLimit);
    };
  }

  /** `embed`s not yet answered. */
  get size(): number {
    return this.#jobs.size;
  }

  start(message: EmbedMessage): void {
    const { id, request } = message;
    if (this.#jobs.has(id)) return;
    if (this.#stopping) {
      this.#deps.post({ type: "error", id, error: STOPPED, meta: { attempts: 0 } });
      return;
    }
    const job = new EmbedJob(id, request);
    if (request.deadline <= this.#clock()) {
      this.#fail(job, { code: "ERR_TIMEOUT", message: "the call's deadline passed" });
      return;
    }
    this.#jobs.set(id, job);
    let owned: Owned[];
    try {
      owned = this.#plan(job);
    } catch (error) {
      // Only a bug gets here: answer, never hang.
      this.#fail(job, toErrorData(error, "ERR_INVALID_ARGUMENT"));
      return;
    }
    if (job.remaining === 0) this.#answer(job);
    else if (owned.length > 0) void this.#fetchAll(job, owned);
  }

  /** Fills the cached positions, joins or starts a flight for the others; returns the flights it owns. */
  #plan(job: EmbedJob): Owned[] {
    const { request } = job;
    const inputs = request.inputs;
    const cache = this.#deps.cache;
    const coalesce = this.#deps.coalesce !== false;
    const owned: Owned[] = [];
    if (cache === undefined || request.cache === "skip") {
      for (let i = 0; i < inputs.length; i++) {
        const flight = this.#coalescer.join(undefined, job, request.deadline);
        job.waiting.set(flight, [i]);
        owned.push({ flight, input: inputs[i] as string, key: undefined });
      }
      return owned;
    }
    const keyOf = cache.keys.forRequest(request.params, request.headers);
    const read = request.cache === "use";
    const positions = new Map<string, number[]>();
    for (let i = 0; i < inputs.length; i++) {
      const key = keyOf(inputs[i] as string);
      const hit = read ? cache.vectors.get(key) : undefined;
      if (hit !== undefined) job.fillCached(i, hit);
      else {
        const list = positions.get(key);
        if (list === undefined) positions.set(key, [i]);
        else list.push(i);
      }
    }
    for (const [key, list] of positions) {
      const flight = this.#coalescer.join(coalesce ? key : undefined, job, request.deadline);
      job.waiting.set(flight, list);
      if (flight.owner === job) owned.push({ flight, input: inputs[list[0] as number] as string, key });
    }
    return owned;
  }

  /** Sends a job's flights in batches, at most `maxConcurrency` of them at once. Never rejects. */
  async #fetchAll(job: EmbedJob, owned: Owned[]): Promise<void> {
    const { client, provider, estimator } = this.#deps;
    const size = Math.min(job.request.batchSize ?? provider.maxInputs, provider.maxInputs);
    const batches = splitBatches(owned, (o) => o.input, size, provider.maxTokens, estimator.charsPerToken);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) await this.#fetchBatch(job, batches[next++] as Owned[]);
    };
    const lanes: Promise<void>[] = [];
    for (let i = Math.min(client.maxConcurrency, batches.length); i > 0; i--) lanes.push(lane());
    await Promise.all(lanes);
  }

  /** One batch through the pipeline, then its vectors (or its error) to every job waiting on them. */
  async #fetchBatch(job: EmbedJob, batch: Owned[]): Promise<void> {
    // Inputs nobody waits for any more (their jobs failed or were cancelled) are not sent.
    const live = batch.filter((o) => !o.flight.signal.aborted);
    if (live.length === 0) return;
    const { client, provider, gate, pipeline } = this.#deps;
    const request = job.request;
    const inputs = live.map((o) => o.input);
    let outcome: RetryOutcome<EmbedBatch>;
    try {
      const upstream = provider.buildEmbedRequest(client, inputs, request);
      if (request.traceparent !== undefined) upstream.headers.traceparent = request.traceparent;
      const retry = client.retry;
      const plan =
        request.maxRetries === retry.maxRetries ? retry : { ...retry, maxRetries: request.maxRetries };
      const run = new BatchRun(
        plan,
        pipeline.parts,
        live.map((o) => o.flight),
        job,
      );
      if (request.timing === true) run.timings = [];
      const signal = run.signal;
      const transport = this.#transport;
      let chars = 0;
      for (const input of inputs) chars += input.length;
      const tokens = gate.countsTokens ? Math.ceil(chars / this.#deps.estimator.charsPerToken) : 0;
      const attempt = async (): Promise<EmbedBatch> => {
        const answer = await transport.send(upstream, signal, request.attemptTimeoutMs);
        if (answer.vectors.length !== inputs.length) {
          throw new AttemptFailure("bad_response", {
            code: "ERR_BAD_RESPONSE",
            message: `upstream answered ${answer.vectors.length} vectors for ${inputs.length} inputs`,
          });
        }
        return answer;
      };
      const send = (): Promise<EmbedBatch> =>
        passGate(
          gate,
          tokens,
          run.deadline,
          signal,
          attempt,
          (answer) => {
            if (answer.rateLimit !== undefined && gate.learn(answer.rateLimit)) return tokens;
            return answer.promptTokens > 0 ? answer.promptTokens : undefined;
          },
          run.timings,
        );
      try {
        outcome = await pipeline.run(send, run);
      } finally {
        run.dispose();
      }
    } catch (error) {
      outcome = {
        ok: false,
        error: toErrorData(error, "ERR_INVALID_ARGUMENT"),
        attempts: 0,
        upstreamErrors: undefined,
      };
    }
    job.account(outcome.attempts, outcome.upstreamErrors, outcome.timings);
    if (outcome.ok) job.promptTokens += outcome.value.promptTokens;
    this.#land(live, outcome);
  }

  /** A batch landed: every job waiting on its inputs gets their vectors, or its error. */
  #land(batch: readonly Owned[], outcome: RetryOutcome<EmbedBatch>): void {
    const cache = this.#deps.cache?.vectors;
    const model = outcome.ok && outcome.value.model !== "" ? outcome.value.model : this.#deps.client.model;
    for (let i = 0; i < batch.length; i++) {
      const { flight, key } = batch[i] as Owned;
      this.#coalescer.land(flight);
      // A copy of the list: failing a job takes it off its flights.
      const callers = flight.callers.slice();
      if (outcome.ok) {
        const entry: CachedVector = { vector: outcome.value.vectors[i] as Float32Array, model };
        if (key !== undefined) cache?.set(key, entry);
        for (const job of callers) if (!job.done && job.fill(flight, entry)) this.#answer(job);
      } else {
        for (const job of callers) {
          if (job.done) continue;
          job.waiting.delete(flight);
          this.#fail(job, outcome.error);
        }
      }
    }
  }

  #answer(job: EmbedJob): void {
    this.#finish(job);
    const meta = job.meta();
    const { message, transfer } = embedReplyMessage(
      job.id,
      job.vectors as Float32Array[],
      {
        usage: { promptTokens: job.promptTokens, totalTokens: job.promptTokens },
        model: job.model ?? this.#deps.client.model,
        cachedInputs: job.cachedInputs,
        requests: job.attempts,
      },
      meta,
    );
    this.#deps.post(message, transfer);
  }

  #fail(job: EmbedJob, error: ErrorData): void {
    this.#finish(job);
    this.#deps.post({ type: "error", id: job.id, error, meta: job.meta() });
  }

  /** The job is over: off its flights (the last job out of a flight cancels it), out of the table. */
  #finish(job: EmbedJob): void {
    job.done = true;
    for (const flight of job.waiting.keys()) this.#coalescer.leave(flight, job);
    job.waiting.clear();
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
    if (this.#jobs.size === 0) this.#idle?.();
  }

  cancel(id: number): boolean {
    const job = this.#jobs.get(id);
    if (job === undefined) return false;
    this.#finish(job);
    return true;
  }

  async stop(graceMs: number): Promise<number> {
    this.#stopping = true;
    if (this.#jobs.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
      this.#idle = undefined;
    }
    const cut = this.#jobs.size;
    for (const job of this.#jobs.values()) this.#finish(job);
    return cut;
  }
}
