/**
 * The events a supervisor emits, one discriminated union on `type`. Every supervisor in a tree emits
 * through the same sink, tagging each event with its own name (`supervisor`) and the child's (`child`).
 * No event carries a spec, so none can carry an API key.
 */
import type { RestartType } from "../src/types.js";
import type { CrashCause } from "./Child.js";

/** Something the supervision tree did or saw. */
export type SupervisorEvent =
  /** A child crashed (emitted when the exit arrives, before any restart). */
  | { type: "crash"; supervisor: string; child: string; cause: CrashCause; message: string }
  /**
   * A child is running again after a restart. `restarts` is that child's restart count so far;
   * `delayMs` the backoff waited before the attempt.
   */
  | { type: "restart"; supervisor: string; child: string; restarts: number; delayMs: number }
  /** A restart attempt could not start the child; it counts toward the intensity and is retried. */
  | { type: "restart_failed"; supervisor: string; child: string; message: string }
  /**
   * A child ended and will not be restarted: temporary (after any exit, or stopped by a sibling's
   * restart), or transient after a normal exit or a `shutdown` (a nested supervisor that gave up).
   */
  | { type: "exit"; supervisor: string; child: string; restart: RestartType }
  /**
   * The supervisor exceeded its intensity: `restarts` attempts within `withinMs` (that is
   * `maxRestarts + 1`). It stopped its children and failed; its parent sees it exit with reason
   * `shutdown` (OTP's): restarted by a `permanent` parent, not by a `transient` or `temporary` one.
   */
  | { type: "give_up"; supervisor: string; restarts: number; withinMs: number };

/** The `type`s of {@link SupervisorEvent}. */
export type SupervisorEventType = SupervisorEvent["type"];
