/**
 * The calls and streams of one client that have not settled yet, each bound to the worker it was
 * sent on.
 *
 * A pending call is either *held* (no worker has it: the client is starting or restarting, or a crash
 * put it back for redelivery) or *sent* on one {@link WorkerLink}. Every later message about it (a
 * stream's `credit`, a `cancel`) goes to that link, not to whatever worker is current: a worker that
 * drains (a graceful stop, or a healthy sibling stopped by its supervisor's strategy) keeps receiving
 * what its own calls need until it exits, and only the exit of *that* worker unbinds them.
 *
 * The table keeps `inFlight` and `queued` of the stats mirror exact: each call is counted in exactly
 * one of them, or in neither once it left.
 */

import type { DspexError } from "./errors.js";
import { IdMap } from "./IdMap.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import type { CallTrace } from "./telemetry/CallTrace.js";
import type { ClientStats } from "./types.js";

/** How the table reaches one worker incarnation (its outbox). */
export interface WorkerLink {
  post(message: ToWorker): void;
}

/** What a caller chose for a call cut by a crash (contract name `redeliver`). */
export type Redelivery = "unanswered" | "never";

/** Why the calls of a link were cancelled on the worker side. */
export type CancelReason = "aborted" | "timeout" | "closed";

/**
 * One unsettled call or stream as the table tracks it (`PendingCall`, `PendingStream`).
 * `deliveries`, `crashes` and `link` are the table's bookkeeping.
 */
export interface Pending {
  readonly id: number;
  /** The message that (re)delivers it to a worker: a snapshot taken at admission. */
  readonly message: ToWorker;
  /** Times it was sent to a worker (1 after the first send). */
  deliveries: number;
  /** Worker crashes it was caught in (what `maxRedeliveries` bounds). */
  crashes: number;
  /** The worker it was last sent on; `undefined` while held or once it left the table. */
  link: WorkerLink | undefined;
  /** `"never"`: at most once, never sent again after a worker had it. */
  readonly redeliver: Redelivery;
  /** False once the caller has seen part of the answer (a stream with chunks): no redelivery then. */
  redeliverable(): boolean;
  /** Handles the worker's answer for this id; returns true when that settled it. */
  receive(message: FromWorker): boolean;
  /** Settles with an error (deadline, abort, crash, retirement). */
  fail(error: DspexError): void;
  /** The call's telemetry, when anything listens (see src/telemetry/). */
  trace?: CallTrace | undefined;
}

/** The table of one client; see the module comment. */
export class CallTable {
  /** An {@link IdMap}, not a `Map`: one insert and one delete per call (see IdMap for why). */
  readonly #pending = new IdMap<Pending>();
  /** Held calls in the order they will be sent (redelivered ones first). */
  #held: Pending[] = [];
  readonly #stats: ClientStats;

  constructor(stats: ClientStats) {
    this.#stats = stats;
  }

  /** Calls not yet settled (sent or held). */
  get size(): number {
    return this.#pending.size;
  }

  /** The unsettled call `id`, if any. */
  get(id: number): Pending | undefined {
    return this.#pending.get(id);
  }

  /** Registers `pending` and sends it on `link`, or holds it when there is no worker. */
  admit(pending: Pending, link: WorkerLink | undefined): void {
    this.#pending.set(pending.id, pending);
    if (link !== undefined) {
      this.#send(pending, link);
    } else {
      this.#held.push(pending);
      this.#stats.queued++;
    }
  }

  #send(pending: Pending, link: WorkerLink): void {
    pending.link = link;
    pending.deliveries++;
    this.#stats.inFlight++;
    link.post(pending.message);
  }

  /**
   * `pending` settled on this side (deadline, abort, the caller left): it leaves the table, and with
   * a `cancel` reason the worker that has it is told to tear it down. False when it had already left.
   */
  release(pending: Pending, cancel?: CancelReason): boolean {
    if (this.#pending.get(pending.id) !== pending) return false;
    this.#pending.delete(pending.id);
    const link = pending.link;
    if (link === undefined) {
      this.#held.splice(this.#held.indexOf(pending), 1);
      this.#stats.queued--;
      return true;
    }
    pending.link = undefined;
    this.#stats.inFlight--;
    if (cancel !== undefined) link.post({ type: "cancel", id: pending.id, reason: cancel });
    return true;
  }

  /** The worker answered `pending` for good: it leaves the table. */
  answered(pending: Pending): void {
    this.#pending.delete(pending.id);
    pending.link = undefined;
    this.#stats.inFlight--;
  }

  /** Posts `credit` for a stream to the worker that has it; nothing while it is held. */
  credit(pending: Pending, n: number): void {
    const link = pending.link;
    if (link !== undefined && this.#pending.get(pending.id) === pending)
      link.post({ type: "credit", id: pending.id, n });
  }

  /** A worker is ready: everything held goes to it, oldest first. */
  sendHeld(link: WorkerLink): void {
    const held = this.#held;
    this.#held = [];
    this.#stats.queued -= held.length;
    for (const pending of held) this.#send(pending, link);
  }

  /**
   * The worker behind `link` is gone: the calls sent on it are unbound and returned, in the order they
   * were admitted; calls on other links and held ones are untouched. The caller then holds each one
   * again ({@link hold}) or fails it ({@link drop}).
   */
  unbind(link: WorkerLink): Pending[] {
    const cut: Pending[] = [];
    for (const pending of this.#pending.values()) {
      if (pending.link !== link) continue;
      pending.link = undefined;
      this.#stats.inFlight--;
      cut.push(pending);
    }
    return cut;
  }

  /** Holds unbound calls for the next worker, ahead of those already held. */
  hold(redelivered: Pending[]): void {
    if (redelivered.length === 0) return;
    this.#stats.queued += redelivered.length;
    this.#stats.redelivered += redelivered.length;
    this.#held = [...redelivered, ...this.#held];
  }

  /** Forgets an unbound call (the caller fails it). */
  drop(pending: Pending): void {
    this.#pending.delete(pending.id);
  }

  /** Empties the table and returns what was in it (retirement). */
  clear(): Pending[] {
    const all = this.#pending.values();
    for (const pending of all) pending.link = undefined;
    this.#pending.clear();
    this.#held = [];
    this.#stats.queued = 0;
    this.#stats.inFlight = 0;
    return all;
  }
}
