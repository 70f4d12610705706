/**
 * What a supervisor does with one child's unasked exit, by OTP rules: the restart type decides
 * whether the child comes back; the restart intensity whether the supervisor may restart again or
 * gives up; the strategy which siblings go down with it and come back (see the module comment of
 * `Supervisor.ts` for every rule).
 *
 * The supervisor runs this on its queue, one exit at a time, through a {@link RestartContext}: the
 * parts of it this logic reads and the state changes it may make, each tied to the run the exit
 * belongs to, so a `stop()` that arrives at any await wins.
 */
import type { ExitReason } from "./Child.js";
import type { ChildSlot } from "./ChildSlot.js";
import type { ResolvedSupervisorSpec } from "./ChildSpec.js";
import type { SupervisorEvent } from "./events.js";
import { restartBackoffMs } from "./RestartBackoff.js";
import { checkRestartIntensity } from "./RestartIntensity.js";
import { restartPlan } from "./RestartStrategy.js";
import type { Run } from "./SupervisorState.js";
import { release, startInOrder } from "./startOrder.js";

/** What exit handling may read and change in its supervisor. */
export interface RestartContext {
  readonly name: string;
  readonly spec: ResolvedSupervisorSpec;
  /** The children, in start order. */
  readonly slots: readonly ChildSlot[];
  readonly clock: () => number;
  emit(event: SupervisorEvent): void;
  /** Waits `ms`, or less when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Whether `run` is still the supervisor's current run. */
  isCurrent(run: Run): boolean;
  /** The supervisor is `restarting` (during `run`). */
  restarting(run: Run): void;
  /** The supervisor is `running` again (during `run`). */
  recovered(run: Run): void;
  /** The supervisor gave up: it is `failed`, its run over. */
  failed(): void;
  /** Tells the supervisor's parent it exited with `reason` (once per run). */
  exited(reason: ExitReason): void;
}

/** Handles the exit of `slot`'s incarnation `incarnation` during `run`. Never throws. */
export async function handleExit(
  ctx: RestartContext,
  slot: ChildSlot,
  incarnation: number,
  reason: ExitReason,
  run: Run,
): Promise<void> {
  // Stale: stopped since, gave up since, or a sibling's restart already replaced that incarnation.
  if (!ctx.isCurrent(run)) return;
  if (slot.incarnation !== incarnation || slot.state !== "exited") return;
  const { restart } = slot.child;
  // OTP: a transient child is restarted only after an abnormal exit; `normal` and `shutdown` are not.
  if (restart === "temporary" || (restart === "transient" && reason.kind !== "crash")) {
    slot.retire("unavailable");
    ctx.emit({ type: "exit", supervisor: ctx.name, child: slot.child.name, restart });
    return;
  }
  ctx.restarting(run);
  let dead: ChildSlot | undefined = slot;
  while (dead !== undefined) {
    const check = checkRestartIntensity(run.history, ctx.clock(), ctx.spec.maxRestarts, ctx.spec.withinMs);
    run.history = check.history;
    if (!check.allowed) return giveUp(ctx, run);
    dead = await restartOnce(ctx, dead, run);
    if (!ctx.isCurrent(run)) return;
  }
  ctx.recovered(run);
}

/** One restart attempt by the strategy; returns the child that failed to start, if one did. */
async function restartOnce(ctx: RestartContext, dead: ChildSlot, run: Run): Promise<ChildSlot | undefined> {
  const plan = restartPlan(ctx.spec.strategy, ctx.slots, ctx.slots.indexOf(dead));
  // Temporary siblings go down with the others but never come back; retired ones stay down.
  const comeBack = plan.start.filter(
    (s) => s === dead || (s.state !== "retired" && s.child.restart !== "temporary"),
  );
  for (const slot of comeBack) slot.child.markRestarting();
  // The new threads load while the siblings stop and the backoff runs.
  for (const slot of comeBack) slot.boot();
  for (const slot of plan.stop) {
    if (slot.state === "retired") continue;
    await slot.stop();
    if (!ctx.isCurrent(run)) return abandon(comeBack);
    if (!comeBack.includes(slot)) {
      slot.retire("unavailable");
      ctx.emit({ type: "exit", supervisor: ctx.name, child: slot.child.name, restart: slot.child.restart });
    }
  }
  const delayMs = restartBackoffMs(run.history.length - 1);
  if (delayMs > 0) {
    await ctx.wait(delayMs, run.abort.signal);
    if (!ctx.isCurrent(run)) return abandon(comeBack);
  }
  const outcome = await startInOrder(
    comeBack,
    () => ctx.isCurrent(run),
    (slot) =>
      ctx.emit({
        type: "restart",
        supervisor: ctx.name,
        child: slot.child.name,
        restarts: slot.restarts,
        delayMs,
      }),
  );
  if (outcome.kind !== "failed") return undefined;
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  ctx.emit({ type: "restart_failed", supervisor: ctx.name, child: outcome.slot.child.name, message });
  return outcome.slot;
}

/** A stop won during a restart: the boots no start will use are released. */
function abandon(comeBack: readonly ChildSlot[]): undefined {
  release(comeBack);
  return undefined;
}

/** Past the intensity: stop every child in reverse order, fail, and exit with `shutdown`. */
async function giveUp(ctx: RestartContext, run: Run): Promise<void> {
  for (const slot of [...ctx.slots].reverse()) {
    if (slot.state === "retired") continue;
    await slot.stop();
    // stop() arrived meanwhile: it wins, and finishes the job as a plain stop.
    if (!ctx.isCurrent(run)) return;
  }
  // Not retired here: the children hold their calls until whoever handles this exit decides. A parent
  // restarting this subtree delivers them; a parent that will not (or the system, for the root)
  // retires the subtree, and the held calls then reject with ERR_CLIENT_UNAVAILABLE.
  for (const slot of ctx.slots) slot.markStopped();
  ctx.failed();
  const { maxRestarts, withinMs } = ctx.spec;
  ctx.emit({ type: "give_up", supervisor: ctx.name, restarts: run.history.length, withinMs });
  ctx.exited({
    kind: "shutdown",
    message: `supervisor "${ctx.name}" gave up: more than ${maxRestarts} restarts within ${withinMs} ms`,
  });
}
