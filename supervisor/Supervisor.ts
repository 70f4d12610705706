/**
 * A supervisor: starts its children in order, stops them in reverse order, and restarts them by OTP
 * rules when they exit unasked. It is itself a {@link Child}, so supervisors nest; a supervisor that
 * gives up terminates with reason `shutdown` (as in OTP): a `permanent` parent restarts it
 * (escalation), a `transient` or `temporary` one does not.
 *
 * - Start order (`startOrder.ts`): every child's slow part (a client's thread) boots at once, then
 *   the children start one at a time in spec order, each ready before the next starts. A start that
 *   fails stops those already started in reverse order; the ones after it are never started.
 * - Strategy (`restartPlan`): `one_for_one` restarts the dead child, `one_for_all` every child,
 *   `rest_for_one` the dead child and those started after it. Siblings are stopped in reverse start
 *   order, then all come back in start order.
 * - Restart type: `permanent` always restarted; `transient` unless it exited normally or with
 *   `shutdown` (a supervisor that gave up); `temporary` never, not even when a sibling's restart
 *   stopped it. A child that will not come back is retired (`unavailable`) and stays down until this
 *   supervisor itself is started afresh.
 * - Intensity (`checkRestartIntensity`): more than `maxRestarts` attempts within `withinMs`, failed
 *   attempts included, and the supervisor stops every child, fails, and exits with `shutdown`; the
 *   children hold their calls until the parent restarts the subtree or retires it (the system
 *   retires a failed root).
 * - Backoff (`restartBackoffMs`): 0 ms before the first restart in the window, then 10, 20, 40 ...
 *   up to 500 ms, so a child that crashes at start cannot spin a core.
 * - Everything that changes the children (start, stop, restart) runs one at a time on a queue: exits
 *   that arrive during a restart wait their turn (`handleExit.ts`). `stop()` wins over any restart in
 *   progress.
 *
 * Its life is a union of states (`SupervisorState.ts`). Time and children are injected (`clock`,
 * `delay`, `factory`), so this file has no threads or timers of its own and is tested under fake time.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type DspexError, isDspexError, StartFailedError, SystemStoppedError } from "../src/errors.js";
import type { NodeSnapshot, RestartType } from "../src/types.js";
import { type Child, type ChildFactory, type ExitReason, type Subscription, subscription } from "./Child.js";
import { ChildSlot } from "./ChildSlot.js";
import type { ResolvedChildSpec, ResolvedSupervisorSpec } from "./ChildSpec.js";
import type { SupervisorEvent } from "./events.js";
import { handleExit, type RestartContext } from "./handleExit.js";
import { Run, runOf, type SupervisorState, statusOf } from "./SupervisorState.js";
import { release, startInOrder } from "./startOrder.js";

/** What a supervisor is given instead of reaching for threads and timers itself. */
export interface SupervisorDeps {
  /** Builds each child once; for a nested supervisor spec it returns `new Supervisor(spec, sameDeps)`. */
  factory: ChildFactory<ResolvedChildSpec>;
  /** The sink of every {@link SupervisorEvent} of the tree. Should not throw (a throw is ignored). */
  emit: (event: SupervisorEvent) => void;
  /** Monotonic milliseconds for the intensity window (default `performance.now`). */
  clock?: () => number;
  /** Waits `ms` (the restart backoff); `signal` aborts on `stop()` (default: a timer). */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What the next `stop()` means: the end of the children, or a part of the parent's restart. */
type NextStop = "end" | "restart";

const noop = (): void => {};

const defaultDelay = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(noop);

/** An OTP supervisor over injected children. */
export class Supervisor implements Child {
  readonly name: string;
  readonly kind = "supervisor" as const;
  readonly restart: RestartType;

  readonly #spec: ResolvedSupervisorSpec;
  readonly #deps: SupervisorDeps;
  readonly #slots: ChildSlot[];
  readonly #exitListeners = new Set<(reason: ExitReason) => void>();
  /** What exit handling sees of this supervisor (see handleExit.ts). */
  readonly #restarts: RestartContext;

  #state: SupervisorState = { kind: "idle" };
  /** Starts that completed; the parent tracks the same number and shows its own. */
  #completedStarts = 0;
  /** Set by the parent's `markRestarting()`; back to `end` at each start and retirement. */
  #nextStop: NextStop = "end";
  /** The tail of the queue that serializes start, stop and restart handling. */
  #work: Promise<void> = Promise.resolve();

  /** Builds every child once, in spec order (their start order). */
  constructor(spec: ResolvedSupervisorSpec, deps: SupervisorDeps) {
    this.#spec = spec;
    this.#deps = deps;
    this.name = spec.name;
    this.restart = spec.restart;
    this.#slots = spec.children.map((childSpec) => {
      const slot = new ChildSlot(deps.factory(childSpec));
      slot.child.onExit((reason) => this.#childExited(slot, reason));
      return slot;
    });
    const delay = deps.delay ?? defaultDelay;
    this.#restarts = {
      name: this.name,
      spec,
      slots: this.#slots,
      clock: deps.clock ?? (() => performance.now()),
      emit: (event) => this.#emit(event),
      wait: (ms, signal) => wait(delay, ms, signal),
      isCurrent: (run) => this.#isCurrent(run),
      restarting: (run) => {
        this.#state = { kind: "restarting", run };
      },
      recovered: (run) => {
        this.#state = { kind: "running", run };
      },
      failed: () => {
        this.#state = { kind: "failed" };
      },
      exited: (reason) => this.#fireExit(reason),
    };
  }

  /** The children, in start order. */
  get children(): readonly Child[] {
    return this.#slots.map((s) => s.child);
  }

  /**
   * Starts every child in order (see the module comment). When one cannot start, those already
   * started are stopped in reverse order, the supervisor is `failed`, and this rejects with
   * `ERR_START_FAILED` naming the child (the innermost one, through nested supervisors). After a stop
   * or a give-up it starts afresh, with an empty restart history.
   */
  start(): Promise<void> {
    if (runOf(this.#state) !== undefined) {
      return Promise.reject(new Error(`supervisor "${this.name}" is already running`));
    }
    const run = new Run();
    this.#state = { kind: "starting", run };
    return this.#enqueue(() => this.#startAll(run));
  }

  /**
   * Stops the children in reverse start order and retires them (`stopped`). Abandons any restart in
   * progress and drops queued exits. Never rejects; resolves at once when nothing runs.
   */
  stop(): Promise<void> {
    const run = runOf(this.#state);
    if (run !== undefined) {
      run.abort.abort();
      this.#state = { kind: "stopping", shown: statusOf(this.#state) };
    }
    return this.#enqueue(() => this.#stopAll());
  }

  /** Listens for this supervisor giving up (an exit with reason `shutdown`), once per run. */
  onExit(listener: (reason: ExitReason) => void): Subscription {
    this.#exitListeners.add(listener);
    return subscription(() => void this.#exitListeners.delete(listener));
  }

  /** This subtree will not be started again: every child is retired with `reason`. */
  retire(reason: "unavailable" | "stopped"): void {
    this.#nextStop = "end";
    for (const slot of this.#slots) slot.retire(reason);
  }

  /** The parent is restarting this subtree: every child holds its calls until it is back. */
  markRestarting(): void {
    this.#nextStop = "restart";
    for (const slot of this.#slots) slot.child.markRestarting();
  }

  /** Boots every child of the subtree (see `Child.boot`): the whole tree's threads load at once. */
  boot(): void {
    for (const slot of this.#slots) slot.boot();
  }

  /** Releases the boots of the subtree that no start used. */
  unboot(): void {
    release(this.#slots);
  }

  /** This node and its subtree; each child's `restarts` is the count this supervisor keeps. */
  snapshot(): NodeSnapshot {
    return {
      name: this.name,
      type: "supervisor",
      status: statusOf(this.#state),
      restarts: Math.max(0, this.#completedStarts - 1),
      strategy: this.#spec.strategy,
      children: this.#slots.map((s) => ({ ...s.child.snapshot(), restarts: s.restarts })),
    };
  }

  /** Resolves once no start, stop or restart is in progress or queued here (not in nested supervisors). */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#work;
      await tail;
    } while (tail !== this.#work);
  }

  #isCurrent(run: Run): boolean {
    return runOf(this.#state) === run;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#work.then(task);
    this.#work = run.then(noop, noop);
    return run;
  }

  async #startAll(run: Run): Promise<void> {
    if (!this.#isCurrent(run)) throw this.#stoppedWhileStarting();
    this.#nextStop = "end";
    const outcome = await startInOrder(this.#slots, () => this.#isCurrent(run));
    // A stop() arrived: it is queued right behind us and stops whatever did start.
    if (outcome.kind === "stale") throw this.#stoppedWhileStarting();
    if (outcome.kind === "failed") {
      for (const done of outcome.started.reverse()) await done.stop();
      this.#state = { kind: "failed" };
      throw startFailure(this.name, outcome.slot.child, outcome.error);
    }
    this.#completedStarts++;
    this.#state = { kind: "running", run };
  }

  async #stopAll(): Promise<void> {
    const { kind } = this.#state;
    if (kind === "idle" || kind === "stopped" || kind === "failed") return;
    for (const slot of [...this.#slots].reverse()) {
      if (slot.state === "retired") continue;
      await slot.stop();
      // Stopped as part of the parent's restart: the children are coming back, so calls stay held.
      if (this.#nextStop === "end") slot.retire("stopped");
    }
    release(this.#slots);
    // A start() that came after this stop owns the state now.
    if (this.#state.kind === "stopping") this.#state = { kind: "stopped" };
  }

  #childExited(slot: ChildSlot, reason: ExitReason): void {
    // Late or unasked-for events: an incarnation we are stopping, one not yet started, or after a stop.
    const run = runOf(this.#state);
    if (slot.state !== "running" || run === undefined) return;
    slot.markExited();
    if (reason.kind === "crash") {
      this.#emit({
        type: "crash",
        supervisor: this.name,
        child: slot.child.name,
        cause: reason.cause,
        message: reason.message,
      });
    }
    const { incarnation } = slot;
    // handleExit does not throw; the catch only keeps a bug from becoming an unhandled rejection.
    this.#enqueue(() => handleExit(this.#restarts, slot, incarnation, reason, run)).catch(noop);
  }

  #fireExit(reason: ExitReason): void {
    for (const listener of [...this.#exitListeners]) {
      try {
        listener(reason);
      } catch {
        // A listener's bug must not stop the others (the parent among them) from hearing the crash.
      }
    }
  }

  #emit(event: SupervisorEvent): void {
    try {
      this.#deps.emit(event);
    } catch {
      // The sink belongs to the user; a throwing listener must not break restart handling.
    }
  }

  #stoppedWhileStarting(): SystemStoppedError {
    return new SystemStoppedError({
      code: "ERR_SYSTEM_STOPPED",
      message: `supervisor "${this.name}" was stopped while starting`,
    });
  }
}

/** Waits `ms` through `delay`, or less when `signal` aborts (a `delay` that ignores it included). */
function wait(
  delay: (ms: number, signal: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    delay(ms, signal).then(done, done);
  });
}

/** The error `start()` rejects with: the child's own `ERR_START_FAILED` passes through unchanged. */
function startFailure(supervisor: string, child: Child, cause: unknown): DspexError {
  if (isDspexError(cause, "ERR_START_FAILED")) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new StartFailedError(
    {
      code: "ERR_START_FAILED",
      client: child.name,
      message: `${child.kind} "${child.name}" of supervisor "${supervisor}" failed to start: ${message}`,
    },
    { cause },
  );
}
