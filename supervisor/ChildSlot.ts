/**
 * A supervisor's bookkeeping for one child: where it is as the supervisor sees it, which incarnation
 * runs, and how often it was restarted. The {@link Child} object lives across incarnations; the slot
 * is what the supervisor's order, strategy and retirement act on.
 */
import type { Child } from "./Child.js";

/** Where a child is, as its supervisor sees it. */
export type SlotState = "idle" | "starting" | "running" | "exited" | "stopping" | "stopped" | "retired";

/** How a child will not come back: `unavailable` (not restarted) or `stopped` (its tree stopped). */
export type RetireReason = "unavailable" | "stopped";

/** The outcome of one start. */
export type StartResult = { ok: true } | { ok: false; error: unknown };

/** One child of a supervisor; see the module comment. */
export class ChildSlot {
  readonly child: Child;
  #state: SlotState = "idle";
  /** Bumped at each start, so an exit queued for an older incarnation is recognised and dropped. */
  #incarnation = 0;
  /** Starts that succeeded; every one after the first is a restart. */
  #successes = 0;
  /** The last retirement the child was told of since its last start; not repeated. */
  #retiredAs: RetireReason | undefined;

  constructor(child: Child) {
    this.child = child;
  }

  /** Where the child is now. */
  get state(): SlotState {
    return this.#state;
  }

  /** The number of the current (or last) incarnation. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** Successful starts after the first one. */
  get restarts(): number {
    return Math.max(0, this.#successes - 1);
  }

  /** The running incarnation ended unasked; its exit is queued for handling. */
  markExited(): void {
    this.#state = "exited";
  }

  /** Down, and held rather than retired (a supervisor that gave up leaves retirement to its owner). */
  markStopped(): void {
    this.#state = "stopped";
  }

  /** Begins the slow part of the next start, when the child has one (see `Child.boot`). */
  boot(): void {
    this.child.boot?.();
  }

  /** Releases a boot that no start used. */
  unboot(): void {
    this.child.unboot?.();
  }

  /** Starts a new incarnation. */
  async start(): Promise<StartResult> {
    this.#state = "starting";
    this.#retiredAs = undefined;
    this.#incarnation++;
    try {
      await this.child.start();
    } catch (error) {
      this.#state = "stopped";
      return { ok: false, error };
    }
    this.#state = "running";
    this.#successes++;
    return { ok: true };
  }

  /** Stops the running incarnation, if any. */
  async stop(): Promise<void> {
    this.#state = "stopping";
    try {
      await this.child.stop();
    } catch {
      // Child.stop never rejects by contract; a broken one must still not wedge the tree.
    }
    this.#state = "stopped";
  }

  /** The child will not be started again by this supervisor (until it is itself started afresh). */
  retire(reason: RetireReason): void {
    this.#state = "retired";
    // Told once per reason: a parent retiring a subtree its own stop() already retired adds nothing.
    if (this.#retiredAs === reason) return;
    this.#retiredAs = reason;
    this.child.retire(reason);
  }
}
