/**
 * A supervisor's life as a discriminated union: which states exist, and which of them have a *run*
 * (the period from `start()` until `stop()` or giving up, during which exits are handled).
 *
 * Work queued during one run (an exit's restart, a start in progress) holds that run and checks that
 * it is still the current one before each step: a `stop()`, a give-up or a failed start ends the run,
 * so the step sees it changed and does nothing.
 */
import type { NodeStatus } from "../src/types.js";

/** One run: see the module comment. */
export class Run {
  /** Aborted by `stop()`, to cut a restart backoff short. */
  readonly abort = new AbortController();
  /** Restart attempts in the current intensity window (timestamps from the clock), oldest first. */
  history: number[] = [];
}

/** Where a supervisor is. */
export type SupervisorState =
  /** Never started. */
  | { kind: "idle" }
  /** `start()` was called; the children are being started in order. */
  | { kind: "starting"; run: Run }
  /** Every child is up (or retired by its restart type). */
  | { kind: "running"; run: Run }
  /** An exit is being handled: a restart by the strategy is in progress. */
  | { kind: "restarting"; run: Run }
  /** `stop()` was called during a run; `shown` is the status until the children are down. */
  | { kind: "stopping"; shown: NodeStatus }
  /** Stopped by `stop()`. */
  | { kind: "stopped" }
  /** A start failed (what started was rolled back), or the restart intensity was exceeded. */
  | { kind: "failed" };

/** The run of `state`, if it has one. */
export function runOf(state: SupervisorState): Run | undefined {
  return "run" in state ? state.run : undefined;
}

/** The status `inspect()` shows for `state`. */
export function statusOf(state: SupervisorState): NodeStatus {
  switch (state.kind) {
    case "idle":
    case "stopped":
      return "stopped";
    case "stopping":
      return state.shown;
    default:
      return state.kind;
  }
}
