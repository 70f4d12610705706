/**
 * The `embed` requests of one worker: the `embeddings` dependency of the client actor, which hands it
 * the `embed` messages and the cancels of their ids.
 *
 * An `embed` goes: each input keyed on its own (`EmbedKeys.ts`) -> looked up in the per-input cache
 * (`VectorCache.ts`, mode `use`) -> the rest joined to the flight in progress for the same input, or
 * made a flight of this job's (`Coalescer`, as calls use it; identical inputs of one request share one)
 * (those three: `embedPlan.ts`) -> this job's flights split into the provider's batches (`batches.ts`)
 * and sent through the worker's pipeline (`BatchSender.ts`: mailbox slot, rate gate, retry loop,
 * breaker, attempt), at most `maxConcurrency` batches of one job at once so a large request never
 * overruns the mailbox's queue -> each landed vector stored and handed to every job waiting on it -> a job with every position
 * filled is answered with its vectors in one transferred buffer (`embedReply.ts`).
 *
 * A failed batch fails the jobs waiting on its inputs (each with the batch's error); a failed,
 * cancelled or timed-out job leaves its flights, and a batch none of whose inputs is wanted any more
 * is torn down (`BatchRun.ts`). Deadlines have one owner, the main thread's proxy, as for calls: here
 * they only stop retries, and a request that arrives past its deadline is answered `ERR_TIMEOUT`.
 */
import { type ErrorData, toErrorData } from "../../src/errors.js";
import { IdMap } from "../../src/IdMap.js";
import { Coalescer } from "../cache/Coalescer.js";
import type { EmbedBatch } from "../providers/EmbedProvider.js";
import type { RetryOutcome } from "../resilience/RetryPolicy.js";
import { BatchSender } from "./BatchSender.js";
import { splitBatches } from "./batches.js";
import type { EmbedDeps, EmbedHandler, EmbedMessage } from "./EmbedDeps.js";
import { EmbedJob } from "./EmbedJob.js";
import { type Owned, planEmbed } from "./embedPlan.js";
import { embedReplyMessage } from "./embedReply.js";
import type { CachedVector } from "./VectorCache.js";

const STOPPED: ErrorData = {
  code: "ERR_SYSTEM_STOPPED",
  message: "the client is stopping and takes no new calls",
};

/** See the module comment. */
export class Embeddings implements EmbedHandler {
  readonly #deps: EmbedDeps;
  readonly #sender: BatchSender;
  readonly #coalescer = new Coalescer<EmbedJob>();
  /** An {@link IdMap}, not a `Map`: one insert and one delete per call (see src/IdMap.ts for why). */
  readonly #jobs = new IdMap<EmbedJob>();
  readonly #clock: () => number;
  #stopping = false;
  #idle: (() => void) | undefined;

  constructor(deps: EmbedDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
    this.#sender = new BatchSender(deps);
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
      owned = planEmbed(job, this.#coalescer, this.#deps.cache, this.#deps.coalesce !== false);
    } catch (error) {
      // Only a bug gets here: answer, never hang.
      this.#fail(job, toErrorData(error, "ERR_INVALID_ARGUMENT"));
      return;
    }
    if (job.remaining === 0) this.#answer(job);
    else if (owned.length > 0) void this.#fetchAll(job, owned);
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
    const outcome = await this.#sender.send(job, live);
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
