/**
 * One incarnation of a client's worker: the thread, where it is in its life ({@link Phase}), and what
 * it is reached through (its outbox, its admin port). What an incarnation's end means is decided here
 * ({@link classifyExit}); src/ClientChild.ts runs the incarnations one after the other.
 */
import type { Worker } from "node:worker_threads";
import type { CrashCause, ExitReason } from "../supervisor/Child.js";
import type { AdminClient } from "./AdminClient.js";
import type { Outbox } from "./Outbox.js";
import type { ToWorker } from "./protocol.js";
import { redact } from "./redact.js";
import type { ThreadRef } from "./ThreadRef.js";

/** Where one incarnation is. */
export type Phase =
  /** Spawned (or woken), not yet `ready`. */
  | { kind: "starting" }
  /** Ready and serving. */
  | { kind: "ready" }
  /** We asked it to end (a stop, a destroy, a start that timed out): no `onExit` then. */
  | { kind: "stopping"; after: "starting" | "ready" }
  /** `kill()` terminated it: reported as a crash with cause "killed". */
  | { kind: "killed" };

/** One live worker and what we know of its end. */
export interface Incarnation {
  worker: Worker;
  threadId: number;
  phase: Phase;
  error: Error | undefined;
  exited: Promise<number>;
  stopped: (() => void) | undefined;
  /** The main side of this incarnation's admin port (comlink); closed on "exit". See docs/admin.md. */
  admin: AdminClient;
  /** Calls and control messages to this worker, batched per turn. */
  outbox: Outbox<ToWorker>;
  /** Whether this thread keeps the process alive (see `#holdIfBusy`). */
  alive: ThreadRef;
}

/** We asked `inc` to end; a kill already under way stays a kill. */
export function markStopping(inc: Incarnation): void {
  const { kind } = inc.phase;
  if (kind === "starting" || kind === "ready") inc.phase = { kind: "stopping", after: kind };
}

/** Why `inc` ended, unasked, with exit `code` (its error's message scrubbed of `apiKey`). */
export function classifyExit(inc: Incarnation, code: number, apiKey: string | undefined): ExitReason {
  if (inc.phase.kind === "killed") {
    return { kind: "crash", cause: "killed", message: "killed by system.kill()" };
  }
  const error = inc.error;
  if (error !== undefined) {
    const oom = (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
    const cause: CrashCause = oom ? "oom" : "error";
    return { kind: "crash", cause, message: redact(error.message, apiKey) };
  }
  if (code === 0) return { kind: "normal" };
  return { kind: "crash", cause: "exit", message: `the worker exited with code ${code}` };
}

/** Whether an incarnation in `phase` had become ready (it serves, or served until asked to end). */
export function wasReady(phase: Phase): boolean {
  return (
    phase.kind === "ready" ||
    phase.kind === "killed" ||
    (phase.kind === "stopping" && phase.after === "ready")
  );
}
