/**
 * Where one routed call stands once its first member did not answer (or could not take it): the
 * members left in the strategy's order, the attempts so far, and the moves not yet announced. A call
 * whose first member answers never makes one (src/router/Router.ts).
 *
 * Members are checked when their turn comes, not all at once: a member that cannot take a call then
 * (breaker open, cooling down, restarting) is recorded as skipped and kept for the end, where it is
 * still tried when no other is left (a restarting client takes the call when it is back, an open
 * breaker answers at once): the call gets a real answer or a real error.
 */
import type { DspexError, ErrorCode } from "../errors.js";
import type { RouteTrace } from "../telemetry/RouteTrace.js";
import type { RouteAttempt } from "../types.js";
import type { RouteMember } from "./RouteMember.js";

/** Told each move of a call from one member to the next, with the code that moved it. */
export type OnMove = (from: string, to: string, code: ErrorCode) => void;

interface Move {
  readonly from: string;
  readonly code: ErrorCode;
}

/** See the module comment. */
export class RoutePlan {
  /** Every member tried or skipped so far, in order: the reply's (or the error's) `attempts`. */
  readonly attempts: RouteAttempt[] = [];
  /** Switched to `contextFallbacks` already. */
  context = false;
  /** The last member's error: what the call rejects with when no member is left. */
  lastError: DspexError | undefined = undefined;
  #order: readonly RouteMember[];
  #at: number;
  #skipped: RouteMember[] = [];
  /** The member that failed last, until the next member is known. */
  #failure: Move | undefined = undefined;
  /** Members skipped since the last try, until the next member is known. */
  #skips: Move[] = [];

  /**
   * @param deadline the one deadline of every member tried (ms since the epoch)
   * @param order the members in the strategy's order
   * @param at where to start in `order` (1: its first member has been tried already)
   * @param route the call's trace, when traced: told every move as `onMove` is
   */
  constructor(
    readonly deadline: number,
    order: readonly RouteMember[],
    at: number,
    readonly route?: RouteTrace,
  ) {
    this.#order = order;
    this.#at = at;
  }

  /** Starts over on `order`, dropping the members skipped so far (a context-length error moves to `contextFallbacks`). */
  restart(order: readonly RouteMember[]): void {
    this.#order = order;
    this.#at = 0;
    this.#skipped = [];
    this.#skips = [];
  }

  /** `member` failed with `error`, and the call may move on. */
  failed(member: RouteMember, error: DspexError): void {
    this.lastError = error;
    this.#failure = { from: member.name, code: error.code };
  }

  /**
   * The next member to try, or `undefined` when none is left; `onMove` is told every move to it (from
   * the member that failed, and from each member skipped on the way).
   */
  next(now: number, onMove: OnMove): RouteMember | undefined {
    while (this.#at < this.#order.length) {
      const member = this.#order[this.#at++] as RouteMember;
      const why = member.unavailable(now);
      if (why === undefined) {
        this.#announce(member, onMove);
        for (const skip of this.#skips) this.#move(skip.from, member.name, skip.code, onMove);
        this.#skips = [];
        return member;
      }
      this.attempts.push({ client: member.name, code: why, skipped: true });
      this.#skipped.push(member);
      this.#skips.push({ from: member.name, code: why });
    }
    // Back to a member skipped on the way: its skip moved the call nowhere, only a failure did.
    const member = this.#skipped.shift();
    this.#skips = [];
    if (member !== undefined) this.#announce(member, onMove);
    return member;
  }

  #announce(to: RouteMember, onMove: OnMove): void {
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) this.#move(failure.from, to.name, failure.code, onMove);
  }

  #move(from: string, to: string, code: ErrorCode, onMove: OnMove): void {
    onMove(from, to, code);
    this.route?.fallback(from, to, code);
  }
}
