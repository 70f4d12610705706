/**
 * One `embed` inside the worker: which input positions are filled (from the cache, or by a flight),
 * which flights it still waits on, and what its own upstream batches cost (tokens, attempts, their
 * errors and timings), for its reply and its `meta`.
 *
 * Each distinct input is one {@link Flight} of the worker's coalescer (keyed by the input's cache
 * key): the job waits on a flight for every position that holds that input, and a flight landing
 * fills them all at once. A job is answered when no position is left empty.
 */
import type { ErrorCode } from "../../src/errors.js";
import type { CallMeta, UpstreamTiming, WireEmbedRequest } from "../../src/protocol.js";
import type { Flight } from "../cache/Coalescer.js";
import type { CachedVector } from "./VectorCache.js";

/** See the module comment. */
export class EmbedJob {
  /** Answered, failed or cancelled: nothing more is posted for it. */
  done = false;
  /** One vector per input position, filled as they arrive. */
  readonly vectors: (Float32Array | undefined)[];
  /** Positions still empty. */
  remaining: number;
  cachedInputs = 0;
  /** The flights it waits on, with the positions each one fills. */
  readonly waiting = new Map<Flight<EmbedJob>, number[]>();
  /** The model that answered, once one did. */
  model: string | undefined = undefined;
  /** Input tokens of the batches this job sent (joined and cached inputs cost it nothing). */
  promptTokens = 0;
  /** Upstream attempts of its batches, retries included. */
  attempts = 0;
  upstreamErrors: ErrorCode[] | undefined = undefined;
  timings: UpstreamTiming[] | undefined = undefined;

  constructor(
    readonly id: number,
    readonly request: WireEmbedRequest,
  ) {
    this.vectors = new Array(request.inputs.length);
    this.remaining = request.inputs.length;
  }

  /** Position `i` came from the cache. */
  fillCached(i: number, entry: CachedVector): void {
    this.vectors[i] = entry.vector;
    this.cachedInputs++;
    this.remaining--;
    if (this.model === undefined && entry.model !== "") this.model = entry.model;
  }

  /** `flight` landed with `entry`: fills its positions. Returns true when the job is complete. */
  fill(flight: Flight<EmbedJob>, entry: CachedVector): boolean {
    const positions = this.waiting.get(flight);
    if (positions === undefined) return false;
    this.waiting.delete(flight);
    for (const i of positions) this.vectors[i] = entry.vector;
    this.remaining -= positions.length;
    if (this.model === undefined && entry.model !== "") this.model = entry.model;
    return this.remaining === 0;
  }

  /** What a batch this job sent made: its attempts, their errors and timings. */
  account(attempts: number, errors: ErrorCode[] | undefined, timings: UpstreamTiming[] | undefined): void {
    this.attempts += attempts;
    if (errors !== undefined) this.upstreamErrors = [...(this.upstreamErrors ?? []), ...errors];
    if (timings !== undefined) this.timings = [...(this.timings ?? []), ...timings];
  }

  /** The `meta` of its answer. */
  meta(): CallMeta {
    const meta: CallMeta = { attempts: this.attempts };
    if (this.upstreamErrors !== undefined) meta.upstreamErrors = this.upstreamErrors;
    if (this.timings !== undefined) meta.timings = this.timings;
    return meta;
  }
}
