/**
 * One upstream batch of embedding inputs as the pipeline sees it. A batch carries several flights
 * (one per distinct input), each with its own waiting jobs, so:
 * - its deadline is the latest deadline of the flights still wanted (followers may push one later);
 * - it is cancelled (its upstream request torn down) only when every one of its flights is, that is
 *   when no job waits on any of its inputs any more;
 * - its `retry` events name the job that sent it (which counts the batch's attempts when it lands).
 */
import { Cancellation, type CancelSignal } from "../Cancellation.js";
import type { Flight } from "../cache/Coalescer.js";
import { type PipelineParts, PipelineRun } from "../pipeline/UpstreamPipeline.js";
import type { RetryPlan } from "../resilience/RetryPolicy.js";
import type { EmbedJob } from "./EmbedJob.js";

/** See the module comment. Call {@link dispose} once the batch has landed. */
export class BatchRun extends PipelineRun {
  readonly #flights: readonly Flight<EmbedJob>[];
  readonly #owner: EmbedJob;
  readonly #cancellation = new Cancellation();
  #cancelled = 0;
  readonly #onFlightCancelled = (): void => {
    if (++this.#cancelled === this.#flights.length) this.#cancellation.abort();
  };

  constructor(plan: RetryPlan, parts: PipelineParts, flights: readonly Flight<EmbedJob>[], owner: EmbedJob) {
    super(plan, parts);
    this.#flights = flights;
    this.#owner = owner;
    for (const flight of flights) flight.signal.addEventListener("abort", this.#onFlightCancelled);
  }

  get deadline(): number {
    let latest = 0;
    for (const flight of this.#flights)
      if (!flight.signal.aborted && flight.deadline > latest) latest = flight.deadline;
    return latest;
  }

  get signal(): CancelSignal {
    return this.#cancellation;
  }

  protected get callId(): number {
    return this.#owner.id;
  }

  /** Stops listening to the flights. */
  dispose(): void {
    for (const flight of this.#flights) flight.signal.removeEventListener("abort", this.#onFlightCancelled);
  }
}
