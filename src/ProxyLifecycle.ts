/**
 * Which worker incarnation a client's new calls go to, and what each worker's exit means for the calls
 * it had. The client is `starting` (no worker yet), `running` (a worker is ready), `restarting` (its
 * worker went away; new calls are held for the next one) or `retired` (it will not come back: every
 * pending and later call fails with the retirement code).
 */

import type { CallTable, Pending, WorkerLink } from "./CallTable.js";
import { cutFailure, type ExitCause, type RetiredCode, retiredFailure } from "./proxyFailures.js";
import type { StatsMirror } from "./StatsMirror.js";

type Mode = "starting" | "running" | "restarting" | "retired";

/** The worker lifecycle of one client's proxy; see the module comment. */
export class ProxyLifecycle {
  readonly #name: string;
  readonly #maxRedeliveries: number;
  readonly #table: CallTable;
  readonly #mirror: StatsMirror;
  /** The current worker, if one is ready: new calls go there. */
  #link: WorkerLink | undefined = undefined;
  #mode: Mode = "starting";
  #retiredCode: RetiredCode = "ERR_CLIENT_UNAVAILABLE";

  constructor(name: string, maxRedeliveries: number, table: CallTable, mirror: StatsMirror) {
    this.#name = name;
    this.#maxRedeliveries = maxRedeliveries;
    this.#table = table;
    this.#mirror = mirror;
  }

  /** The worker new calls go to, or `undefined` while they are held. */
  get link(): WorkerLink | undefined {
    return this.#link;
  }

  /** The retirement code while the client is retired, else `undefined` (what admission reads). */
  retired(): RetiredCode | undefined {
    return this.#mode === "retired" ? this.#retiredCode : undefined;
  }

  /** A worker is ready: new calls go to it, and everything held is sent to it, oldest first. */
  attach(link: WorkerLink): void {
    if (this.#mode === "retired") return;
    this.#link = link;
    this.#mode = "running";
    this.#table.sendHeld(link);
  }

  /**
   * The current worker is going away (a stop, or a restart): new calls are held until the next
   * `attach`. Calls already sent stay bound to it, so their credit and cancels still reach it while
   * it drains.
   */
  holdCalls(): void {
    if (this.#mode === "retired") return;
    this.#mode = this.#mode === "starting" ? "starting" : "restarting";
    this.#link = undefined;
  }

  /**
   * The worker behind `link` exited; its unanswered calls are cut. Each is held for the next
   * incarnation or failed, by `cause` and by what the call allows (see docs/supervision.md, "Delivery
   * guarantees"):
   * - a call that asked `redeliver: "never"`, or a stream the caller has already read from, fails;
   * - after a `crash`, a call is redelivered while it has crashes left (`maxRedeliveries`), else it
   *   fails with `ERR_WORKER_CRASHED`;
   * - after a `restart` or a `stop` it is held without spending that budget (a stop's held calls then
   *   settle with the retirement that follows, or go to the worker that comes back).
   */
  detach(link: WorkerLink, cause: ExitCause): void {
    if (this.#link === link) this.#link = undefined;
    if (this.#mode !== "retired") this.#mode = "restarting";
    const again: Pending[] = [];
    for (const pending of this.#table.unbind(link)) {
      if (cause === "crash") pending.crashes++;
      const failure = cutFailure(this.#name, pending, cause, this.#maxRedeliveries);
      if (failure === undefined) {
        again.push(pending);
        pending.trace?.redelivered(pending.deliveries + 1);
      } else {
        this.#table.drop(pending);
        this.#mirror.countError(failure.code);
        pending.fail(failure);
      }
    }
    this.#table.hold(again);
  }

  /** The client will not come back: every pending and later call rejects with `code`. */
  retire(code: RetiredCode): void {
    this.#mode = "retired";
    this.#retiredCode = code;
    this.#link = undefined;
    for (const pending of this.#table.clear()) {
      this.#mirror.countError(code);
      pending.fail(retiredFailure(this.#name, code, pending.deliveries));
    }
  }

  /** Makes a retired proxy accept calls again (its client is being started afresh). */
  revive(): void {
    if (this.#mode === "retired") this.#mode = "starting";
  }
}
