/**
 * The one upstream pipeline of a worker, shared by calls and streams (and, later, embeddings):
 *
 *   admission (the proxy) -> cache and coalescing (the caller) -> **mailbox slot -> [rate gate] ->
 *   retry loop -> breaker -> attempt**
 *
 * This module owns the bold part. The caller hands it an attempt (a call's HTTP exchange, a stream's
 * opening) and a {@link PipelineRun} (its deadline, its cancellation, and what to note on a retry).
 * The slot is held until `use` (a stream's reading of its body) has finished: an open stream is an
 * upstream request in flight.
 *
 * The rate gate (issue #12) goes where the comment in {@link UpstreamPipeline.run} says: after the
 * slot (the slots bound how many requests wait for their rate) and before the retry loop, with
 * `run.signal` to leave on cancellation.
 */
import { type ErrorData, toErrorData } from "../../src/errors.js";
import type { FromWorker, UpstreamTiming } from "../../src/protocol.js";
import type { CancelSignal } from "../Cancellation.js";
import type { AttemptFailure } from "../http/AttemptFailure.js";
import type { Mailbox } from "../Mailbox.js";
import type { Breaker } from "../resilience/Breaker.js";
import {
  preciseNow,
  type RetryOutcome,
  type RetryPlan,
  type RetryRun,
  runWithRetry,
} from "../resilience/RetryPolicy.js";

/** The parts a pipeline is built from: one set per worker. */
export interface PipelineParts {
  readonly mailbox: Mailbox;
  readonly breaker: Breaker;
  /** Posts the `retry` event to the main thread. */
  readonly post: (message: FromWorker) => void;
  /** Epoch milliseconds (deadlines are epoch ms). */
  readonly clock: () => number;
  /** Backoff delay; resolves early when `signal` aborts. */
  readonly sleep: (ms: number, signal: CancelSignal | undefined) => Promise<void>;
  /** Jitter source. */
  readonly random: () => number;
}

/**
 * One request's passage through the pipeline, as the retry loop sees it. A class, not an object
 * literal: a literal with a getter (a coalesced flight's deadline is read live, followers push it
 * later) is built through a slow path on every miss; here the getters live on the prototype.
 */
export abstract class PipelineRun implements RetryRun {
  readonly clock: () => number;
  readonly sleep: (ms: number, signal: CancelSignal | undefined) => Promise<void>;
  readonly random: () => number;
  /** Set (to `[]`) when the call is traced: the retry loop times each attempt into it, and the waits. */
  timings: UpstreamTiming[] | undefined = undefined;
  readonly #parts: PipelineParts;

  constructor(
    readonly plan: RetryPlan,
    parts: PipelineParts,
  ) {
    this.#parts = parts;
    this.clock = parts.clock;
    this.sleep = parts.sleep;
    this.random = parts.random;
  }

  /** Epoch ms after which no attempt or backoff starts. */
  abstract get deadline(): number;
  /** Aborting stops the run (in the queue, during an attempt or a backoff). */
  abstract get signal(): CancelSignal;
  /** The call id the main thread knows this request by (for its `retry` events). */
  protected abstract get callId(): number;
  /** Told of each retry before its backoff (a flight counts it on its owner). */
  protected noteRetry(_attempt: number, _failure: AttemptFailure): void {}

  breakerOpen(): boolean {
    return this.#parts.breaker.isOpen;
  }

  /** Notes the retry and tells the main thread. */
  onRetry(attempt: number, delayMs: number, failure: AttemptFailure): void {
    this.noteRetry(attempt, failure);
    const event: Extract<FromWorker, { type: "event" }>["event"] = {
      kind: "retry",
      id: this.callId,
      attempt,
      delayMs,
      code: failure.data.code,
    };
    if (failure.data.status !== undefined) event.status = failure.data.status;
    this.#parts.post({ type: "event", event });
  }
}

/** A request's outcome when it never got as far as an attempt. */
export function notAttempted<T>(error: ErrorData): RetryOutcome<T> {
  return { ok: false, error, attempts: 0, upstreamErrors: undefined };
}

/** The pipeline's shared stages; see the module comment. */
export class UpstreamPipeline {
  readonly #parts: PipelineParts;

  constructor(parts: PipelineParts) {
    this.#parts = parts;
  }

  /** The parts (for the runs built against this pipeline). */
  get parts(): PipelineParts {
    return this.#parts;
  }

  /**
   * Takes a slot, then runs `attempt` through the retry loop and the breaker; on success, `use` runs
   * while the slot is still held. Never rejects for a failure of the request (those are the outcome's);
   * `use` may reject, and the slot is given back all the same.
   */
  async run<T>(
    attempt: () => Promise<T>,
    run: PipelineRun,
    use?: (outcome: RetryOutcome<T>) => Promise<void>,
  ): Promise<RetryOutcome<T>> {
    const { mailbox, breaker } = this.#parts;
    // A traced call that has to queue for a slot reports its wait (the call span's event).
    const queuedAt =
      run.timings !== undefined && mailbox.active >= mailbox.maxConcurrency ? preciseNow() : undefined;
    try {
      await mailbox.acquire(run.signal);
      if (queuedAt !== undefined) run.timings?.push({ wait: "mailbox", start: queuedAt, end: preciseNow() });
    } catch (error) {
      const outcome = notAttempted<T>(toErrorData(error, "ERR_ABORTED"));
      await use?.(outcome);
      return outcome;
    }
    try {
      // The rate gate (issue #12) waits here, with `run.signal`, before the first attempt.
      const outcome = await runWithRetry(() => breaker.execute(attempt), run);
      if (run.timings !== undefined) outcome.timings = run.timings;
      await use?.(outcome);
      return outcome;
    } finally {
      mailbox.release();
    }
  }
}
