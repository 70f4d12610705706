/**
 * Request coalescing: identical calls in flight at the same time (same cache key) share one upstream
 * request, a {@link Flight}. The first caller of a key is its owner and starts the fetch; callers that
 * arrive while it runs join it and get the same outcome.
 *
 * - A caller leaves on its own (cancel, deadline) and the fetch goes on for the others.
 * - When the last caller has left, the flight's cancellation fires (the upstream request is torn down)
 *   and the key is free at once, so a new call starts fresh instead of joining a dying request.
 * - The key is freed as soon as the fetch lands: a later call starts a new request (it is the cache's
 *   job, not the coalescer's, to remember answers).
 *
 * Callers are plain entries in the flight's list, not promises: a miss costs one flight object and no
 * closures, and the actor answers everyone still listed when the fetch lands.
 */
import { Cancellation, type CancelSignal } from "../Cancellation.js";

/** One upstream fetch and the callers waiting on it. */
export class Flight<C> {
  /** Fires when every caller has left: the fetch should stop. */
  readonly #cancellation = new Cancellation();
  /** Callers still waiting, in arrival order. */
  readonly callers: C[];
  /** The latest deadline among the callers (epoch ms): retries may run until then. */
  deadline: number;

  /**
   * @param key the cache key it is registered under, or `undefined` for a fetch nobody may join
   * @param owner the caller that starts it
   */
  constructor(
    readonly key: string | undefined,
    readonly owner: C,
    deadline: number,
  ) {
    this.callers = [owner];
    this.deadline = deadline;
  }

  /** Aborts once nobody waits any more. */
  get signal(): CancelSignal {
    return this.#cancellation;
  }

  /** Removes `caller`; returns true when it was the last one (the flight is then cancelled). */
  leave(caller: C): boolean {
    const callers = this.callers;
    const index = callers.indexOf(caller);
    if (index < 0) return false;
    callers.splice(index, 1);
    if (callers.length > 0) return false;
    this.#cancellation.abort();
    return true;
  }
}

/** Shares one fetch among identical concurrent calls; see the module comment. */
export class Coalescer<C> {
  readonly #flights = new Map<string, Flight<C>>();

  /** Shared fetches in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the flight in progress for `key` (its deadline extended to `deadline` if later), or starts a
   * new one owned by `caller`. The caller starts the fetch when `flight.owner === caller`. Without a
   * key (a call that may not share: cache off, mode `skip`) the flight is new and nobody can join it.
   */
  join(key: string | undefined, caller: C, deadline: number): Flight<C> {
    if (key === undefined) return new Flight(undefined, caller, deadline);
    const flight = this.#flights.get(key);
    if (flight === undefined) {
      const started = new Flight(key, caller, deadline);
      this.#flights.set(key, started);
      return started;
    }
    flight.callers.push(caller);
    if (flight.deadline < deadline) flight.deadline = deadline;
    return flight;
  }

  /** `caller` leaves `flight`; the last one out cancels it and frees its key. */
  leave(flight: Flight<C>, caller: C): void {
    if (flight.leave(caller)) this.#free(flight);
  }

  /** The fetch has landed: frees the key. The callers still listed are the ones to answer. */
  land(flight: Flight<C>): void {
    this.#free(flight);
  }

  #free(flight: Flight<C>): void {
    if (flight.key !== undefined && this.#flights.get(flight.key) === flight)
      this.#flights.delete(flight.key);
  }
}
