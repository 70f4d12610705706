/**
 * The plan of one `embed`: which positions the per-input cache fills at once (mode `use`), and for the
 * others which flight each distinct input joins: the flight in progress for the same input (another
 * job's, or this job's for an input it holds twice), or a new one this job owns and must fetch.
 */
import type { Coalescer, Flight } from "../cache/Coalescer.js";
import type { EmbedDeps } from "./EmbedDeps.js";
import type { EmbedJob } from "./EmbedJob.js";

/** One input a job fetches for every job that waits on it. */
export interface Owned {
  readonly flight: Flight<EmbedJob>;
  readonly input: string;
  /** Its cache key, when it is stored. */
  readonly key: string | undefined;
}

/**
 * Fills `job`'s cached positions and joins or starts a flight for the others; returns the flights the
 * job owns. Without a cache (or with mode `skip`) every position is a flight of its own, unkeyed.
 */
export function planEmbed(
  job: EmbedJob,
  coalescer: Coalescer<EmbedJob>,
  cache: EmbedDeps["cache"],
  coalesce: boolean,
): Owned[] {
  const { request } = job;
  const inputs = request.inputs;
  const owned: Owned[] = [];
  if (cache === undefined || request.cache === "skip") {
    for (let i = 0; i < inputs.length; i++) {
      const flight = coalescer.join(undefined, job, request.deadline);
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
    const flight = coalescer.join(coalesce ? key : undefined, job, request.deadline);
    job.waiting.set(flight, list);
    if (flight.owner === job) owned.push({ flight, input: inputs[list[0] as number] as string, key });
  }
  return owned;
}
