/**
 * Request coalescing: identical calls in flight at the same time (same cache key) share one upstream
 * request. The first caller of a key is the leader and starts `work`; callers that arrive while it
 * runs are followers and wait for the same outcome.
 *
 * - Every caller gets the same value (one object reference) or the same error. The caller copies if
 *   it must: posting a reply to the main thread clones it anyway.
 * - A caller whose signal aborts is rejected at once (with the signal's reason when that is a
 *   `DspexError`, such as an `ERR_TIMEOUT` of a deadline, else with `ERR_ABORTED`); the shared work
 *   goes on for the others.
 * - When every caller has aborted, the work's own signal aborts (the upstream request is torn down)
 *   and the key is free at once, so a new call starts fresh instead of joining a dying request.
 * - The key is freed as soon as the work settles: a later call starts a new request (it is the cache's
 *   job, not the coalescer's, to remember answers).
 */
import { AbortedError, DspexError } from "../../src/errors.js";
import { Cancellation, type CancelSignal } from "../Cancellation.js";

interface Flight {
  readonly controller: Cancellation;
  readonly promise: Promise<unknown>;
  /** Callers still waiting on this flight. */
  waiting: number;
}

/** Shares one `work` among identical concurrent calls; see the module comment. */
export class Coalescer {
  readonly #flights = new Map<string, Flight>();

  /** Shared requests in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Runs `work` for `key`, or joins the run already in flight for it. Resolves with the work's value
   * and whether this caller started it (`leader`). `work` receives a signal that aborts only when
   * every caller has aborted.
   */
  run<T>(
    key: string,
    signal: CancelSignal | undefined,
    work: (signal: CancelSignal) => Promise<T>,
  ): Promise<{ value: T; leader: boolean }> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    let flight = this.#flights.get(key);
    const leader = flight === undefined;
    if (flight === undefined) flight = this.#start(key, work);
    return this.#join(key, flight, leader, signal) as Promise<{ value: T; leader: boolean }>;
  }

  #start<T>(key: string, work: (signal: CancelSignal) => Promise<T>): Flight {
    const controller = new Cancellation();
    let promise: Promise<T>;
    try {
      promise = work(controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const flight: Flight = { controller, promise, waiting: 0 };
    this.#flights.set(key, flight);
    const release = () => this.#release(key, flight);
    // Both branches handled: this chain itself never rejects unhandled.
    promise.then(release, release);
    return flight;
  }

  #join(
    key: string,
    flight: Flight,
    leader: boolean,
    signal: CancelSignal | undefined,
  ): Promise<{ value: unknown; leader: boolean }> {
    flight.waiting++;
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        flight.waiting--;
        if (flight.waiting === 0) {
          this.#release(key, flight);
          flight.controller.abort(abortError(signal));
        }
        reject(abortError(signal));
      };
      signal?.addEventListener("abort", onAbort);
      flight.promise.then(
        (value) => {
          if (settled) return;
          settled = true;
          flight.waiting--;
          signal?.removeEventListener("abort", onAbort);
          resolve({ value, leader });
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          flight.waiting--;
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  /** Frees `key` unless a newer flight already holds it. */
  #release(key: string, flight: Flight): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }
}

/** The error a caller whose signal aborted is rejected with. */
function abortError(signal: CancelSignal | undefined): DspexError {
  const reason: unknown = signal?.reason;
  if (reason instanceof DspexError) return reason;
  return new AbortedError({ code: "ERR_ABORTED" });
}
