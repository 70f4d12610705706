/**
 * The calls a worker has taken and not yet answered, by id, and the wait of a graceful stop for them
 * to drain. A call that only waits on an external cache lookup is listed as `null` (nothing to abort
 * yet); a miss is listed as its {@link Call}.
 */
import type { ErrorCode } from "../../src/errors.js";
import { IdMap } from "../../src/IdMap.js";
import type { Flight } from "../cache/Coalescer.js";

/** A miss in progress, owned by one caller. */
export class Call {
  /** Answered, cancelled or abandoned: nothing more is posted for it. */
  done = false;
  /** The fetch it waits on (its own, or one it joined). */
  flight: Flight<Call> | undefined = undefined;
  /** Upstream attempts so far, when it owns its flight (for the meta of a call that runs out of time). */
  attempts = 0;
  upstreamErrors: ErrorCode[] | undefined = undefined;
  constructor(readonly id: number) {}
}

/** The unanswered calls of one worker; see the module comment. */
export class OpenCalls {
  /** An {@link IdMap}, not a `Map`: one insert and one delete per call (see src/IdMap.ts for why). */
  readonly #calls = new IdMap<Call | null>();
  /** Set while a graceful stop waits for the table to empty. */
  #drained: (() => void) | undefined;

  /** Calls not yet answered. */
  get size(): number {
    return this.#calls.size;
  }

  get(id: number): Call | null | undefined {
    return this.#calls.get(id);
  }

  has(id: number): boolean {
    return this.#calls.has(id);
  }

  /** Lists a call (`null`: only a cache lookup is pending). */
  set(id: number, call: Call | null): void {
    this.#calls.set(id, call);
  }

  /** Takes a call off the list without settling it (an external lookup came back). */
  delete(id: number): void {
    this.#calls.delete(id);
  }

  /** The call is answered or cancelled: nothing more is posted for it. */
  finish(id: number, call: Call | null): void {
    if (call !== null) call.done = true;
    this.#calls.delete(id);
    if (this.#drained !== undefined) this.checkDrained();
  }

  /** Wakes a graceful stop's wait once nothing is left (cheap when no stop waits). */
  checkDrained(): void {
    if (this.#drained !== undefined && this.#calls.size === 0) this.#drained();
  }

  /** Resolves when every call is answered, or after `graceMs`, whichever comes first. */
  async drain(graceMs: number): Promise<void> {
    if (this.#calls.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#drained = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
  }

  /** Empties the list, marking every call done and handing each miss to `leave`; returns how many. */
  abandonAll(leave: (call: Call) => void): number {
    const abandoned = this.#calls.size;
    for (const id of this.#calls.ids()) {
      const call = this.#calls.get(id) as Call | null;
      this.#calls.delete(id);
      if (call !== null) {
        call.done = true;
        leave(call);
      }
    }
    return abandoned;
  }
}
