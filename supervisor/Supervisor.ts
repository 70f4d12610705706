/**
 * A supervisor: starts its children in order, stops them in reverse order, and restarts them by OTP
 * rules when they exit unasked. It is itself a {@link Child}, so supervisors nest; a supervisor that
 * gives up terminates with reason `shutdown` (as in OTP): a `permanent` parent restarts it
 * (escalation), a `transient` or `temporary` one does not.
 *
 * - Strategy (`restartPlan`): `one_for_one` restarts the dead child, `one_for_all` every child,
 *   `rest_for_one` the dead child and those started after it. Siblings are stopped in reverse start
 *   order, then all come back in start order.
 * - Restart type: `permanent` always restarted; `transient` unless it exited normally or with
 *   `shutdown` (a supervisor that gave up); `temporary` never, not even when a sibling's restart stopped it. A child that will not come back is retired
 *   (`unavailable`) and stays down until this supervisor itself is started afresh.
 * - Intensity (`checkRestartIntensity`): more than `maxRestarts` attempts within `withinMs`, failed
 *   attempts included, and the supervisor stops every child, fails, and exits with `shutdown`; the children hold
 *   their calls until the parent restarts the subtree or retires it (the system retires a failed root).
 * - Backoff (`restartBackoffMs`): 0 ms before the first restart in the window, then 10, 20, 40 ...
 *   up to 500 ms, so a child that crashes at start cannot spin a core.
 * - Everything that changes the children (start, stop, restart) runs one at a time on a queue: exits
 *   that arrive during a restart wait their turn. `stop()` wins over any restart in progress.
 *
 * Time and children are injected (`clock`, `delay`, `factory`), so this file has no threads or timers
 * of its own and is tested under fake time.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type DspexError, isDspexError, StartFailedError, SystemStoppedError } from "../src/errors.js";
import type { NodeSnapshot, NodeStatus, RestartType } from "../src/types.js";
import { type Child, type ChildFactory, type ExitReason, type Subscription, subscription } from "./Child.js";
import type { ResolvedChildSpec, ResolvedSupervisorSpec } from "./ChildSpec.js";
import type { SupervisorEvent } from "./events.js";
import { restartBackoffMs } from "./RestartBackoff.js";
import { checkRestartIntensity } from "./RestartIntensity.js";
import { restartPlan } from "./RestartStrategy.js";

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

/** Where a child is, as this supervisor sees it. */
type ChildState = "idle" | "starting" | "running" | "exited" | "stopping" | "stopped" | "retired";

/** This supervisor's bookkeeping for one child; the `Child` object lives across incarnations. */
interface ChildRecord {
  readonly child: Child;
  state: ChildState;
  /** Bumped at each start, so an exit queued for an older incarnation is recognised and dropped. */
  incarnation: number;
  /** Starts after the first one. */
  restarts: number;
  started: boolean;
  /** The last retirement the child was told of since its last start; not repeated. */
  retiredAs: "unavailable" | "stopped" | undefined;
}

type StartResult = { ok: true } | { ok: false; error: unknown };

const noop = (): void => {};

const defaultDelay = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(noop);

/** An OTP supervisor over injected children. */
export class Supervisor implements Child {
  readonly name: string;
  readonly kind = "supervisor" as const;
  readonly restart: RestartType;

  private readonly spec: ResolvedSupervisorSpec;
  private readonly deps: SupervisorDeps;
  private readonly clock: () => number;
  private readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly records: ChildRecord[];
  private readonly exitListeners = new Set<(reason: ExitReason) => void>();

  private status: NodeStatus = "stopped";
  /** Restart attempts in the current window (timestamps from `clock`). */
  private history: number[] = [];
  /** Starts after the first one; the parent tracks the same number and shows its own. */
  private ownRestarts = 0;
  private everStarted = false;
  /** True from `start()` until `stop()` or giving up: exits are only handled while it holds. */
  private active = false;
  /** Bumped by `stop()`: queued work from before the stop sees it changed and does nothing. */
  private epoch = 0;
  /** Aborted by `stop()` to cut a restart backoff short. */
  private abort = new AbortController();
  /** Set by the parent's `markRestarting()`: the next `stop()` is part of a restart, not an end. */
  private restartPending = false;
  private exitFired = false;
  /** The tail of the queue that serializes start, stop and restart handling. */
  private work: Promise<void> = Promise.resolve();

  /** Builds every child once, in spec order (their start order). */
  constructor(spec: ResolvedSupervisorSpec, deps: SupervisorDeps) {
    this.spec = spec;
    this.deps = deps;
    this.name = spec.name;
    this.restart = spec.restart;
    this.clock = deps.clock ?? (() => performance.now());
    this.delay = deps.delay ?? defaultDelay;
    this.records = spec.children.map((childSpec) => {
      const record: ChildRecord = {
        child: deps.factory(childSpec),
        state: "idle",
        incarnation: 0,
        restarts: 0,
        started: false,
        retiredAs: undefined,
      };
      record.child.onExit((reason) => this.childExited(record, reason));
      return record;
    });
  }

  /** The children, in start order. */
  get children(): readonly Child[] {
    return this.records.map((r) => r.child);
  }

  /**
   * Starts every child in order, each awaited. When one cannot start, those already started are
   * stopped in reverse order, the supervisor is `failed`, and this rejects with `ERR_START_FAILED`
   * naming the child (the innermost one, through nested supervisors). After a stop or a give-up it
   * starts afresh, with an empty restart history.
   */
  start(): Promise<void> {
    if (this.active) return Promise.reject(new Error(`supervisor "${this.name}" is already running`));
    this.active = true;
    this.status = "starting";
    if (this.abort.signal.aborted) this.abort = new AbortController();
    const epoch = this.epoch;
    return this.enqueue(() => this.startAll(epoch));
  }

  /**
   * Stops the children in reverse start order and retires them (`stopped`). Abandons any restart in
   * progress and drops queued exits. Never rejects; resolves at once when nothing runs.
   */
  stop(): Promise<void> {
    this.active = false;
    this.epoch++;
    this.abort.abort();
    return this.enqueue(() => this.stopAll());
  }

  /** Listens for this supervisor giving up (an exit with reason `shutdown`), once per incarnation. */
  onExit(listener: (reason: ExitReason) => void): Subscription {
    this.exitListeners.add(listener);
    return subscription(() => void this.exitListeners.delete(listener));
  }

  /** This subtree will not be started again: every child is retired with `reason`. */
  retire(reason: "unavailable" | "stopped"): void {
    this.restartPending = false;
    for (const record of this.records) this.retireChild(record, reason);
  }

  /** The parent is restarting this subtree: every child holds its calls until it is back. */
  markRestarting(): void {
    this.restartPending = true;
    for (const record of this.records) record.child.markRestarting();
  }

  /** This node and its subtree; each child's `restarts` is the count this supervisor keeps. */
  snapshot(): NodeSnapshot {
    return {
      name: this.name,
      type: "supervisor",
      status: this.status,
      restarts: this.ownRestarts,
      strategy: this.spec.strategy,
      children: this.records.map((r) => ({ ...r.child.snapshot(), restarts: r.restarts })),
    };
  }

  /** Resolves once no start, stop or restart is in progress or queued here (not in nested supervisors). */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.work;
      await tail;
    } while (tail !== this.work);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.then(noop, noop);
    return run;
  }

  private async startAll(epoch: number): Promise<void> {
    if (epoch !== this.epoch) throw this.stoppedWhileStarting();
    this.history = [];
    this.restartPending = false;
    this.exitFired = false;
    const started: ChildRecord[] = [];
    for (const record of this.records) {
      const result = await this.startChild(record);
      // A stop() arrived: it is queued right behind us and stops whatever did start.
      if (epoch !== this.epoch) throw this.stoppedWhileStarting();
      if (!result.ok) {
        for (const done of started.reverse()) await this.stopChild(done);
        this.active = false;
        this.status = "failed";
        throw startFailure(this.name, record.child, result.error);
      }
      started.push(record);
    }
    if (this.everStarted) this.ownRestarts++;
    this.everStarted = true;
    this.status = "running";
  }

  private async stopAll(): Promise<void> {
    if (this.status === "stopped" || this.status === "failed") return;
    for (const record of [...this.records].reverse()) {
      if (record.state === "retired") continue;
      await this.stopChild(record);
      // Stopped as part of the parent's restart: the children are coming back, so calls stay held.
      if (!this.restartPending) this.retireChild(record, "stopped");
    }
    this.status = "stopped";
  }

  private childExited(record: ChildRecord, reason: ExitReason): void {
    // Late or unasked-for events: an incarnation we are stopping, one not yet started, or after a stop.
    if (record.state !== "running" || !this.active) return;
    record.state = "exited";
    const child = record.child.name;
    if (reason.kind === "crash") {
      this.emit({
        type: "crash",
        supervisor: this.name,
        child,
        cause: reason.cause,
        message: reason.message,
      });
    }
    const { incarnation } = record;
    const epoch = this.epoch;
    const signal = this.abort.signal;
    // handleExit does not throw; the catch only keeps a bug from becoming an unhandled rejection.
    this.enqueue(() => this.handleExit(record, incarnation, reason, epoch, signal)).catch(noop);
  }

  private async handleExit(
    record: ChildRecord,
    incarnation: number,
    reason: ExitReason,
    epoch: number,
    signal: AbortSignal,
  ): Promise<void> {
    // Stale: stopped since, gave up since, or a sibling's restart already replaced that incarnation.
    if (epoch !== this.epoch || !this.active) return;
    if (record.incarnation !== incarnation || record.state !== "exited") return;
    const { restart } = record.child;
    // OTP: a transient child is restarted only after an abnormal exit; `normal` and `shutdown` are not.
    if (restart === "temporary" || (restart === "transient" && reason.kind !== "crash")) {
      this.retireChild(record, "unavailable");
      this.emit({ type: "exit", supervisor: this.name, child: record.child.name, restart });
      return;
    }
    this.status = "restarting";
    let dead: ChildRecord | undefined = record;
    while (dead !== undefined) {
      const check = checkRestartIntensity(
        this.history,
        this.clock(),
        this.spec.maxRestarts,
        this.spec.withinMs,
      );
      this.history = check.history;
      if (!check.allowed) return this.giveUp(epoch);
      dead = await this.restartOnce(dead, epoch, signal);
      if (epoch !== this.epoch) return;
    }
    this.status = "running";
  }

  /** One restart attempt by the strategy; returns the child that failed to start, if one did. */
  private async restartOnce(
    dead: ChildRecord,
    epoch: number,
    signal: AbortSignal,
  ): Promise<ChildRecord | undefined> {
    const plan = restartPlan(this.spec.strategy, this.records, this.records.indexOf(dead));
    // Temporary siblings go down with the others but never come back; retired ones stay down.
    const comeBack = plan.start.filter(
      (r) => r === dead || (r.state !== "retired" && r.child.restart !== "temporary"),
    );
    for (const record of comeBack) record.child.markRestarting();
    for (const record of plan.stop) {
      if (record.state === "retired") continue;
      await this.stopChild(record);
      if (epoch !== this.epoch) return undefined;
      if (!comeBack.includes(record)) {
        this.retireChild(record, "unavailable");
        this.emit({
          type: "exit",
          supervisor: this.name,
          child: record.child.name,
          restart: record.child.restart,
        });
      }
    }
    const delayMs = restartBackoffMs(this.history.length - 1);
    if (delayMs > 0) {
      await this.wait(delayMs, signal);
      if (epoch !== this.epoch) return undefined;
    }
    for (const record of comeBack) {
      const result = await this.startChild(record);
      if (epoch !== this.epoch) return undefined;
      const child = record.child.name;
      if (!result.ok) {
        this.emit({ type: "restart_failed", supervisor: this.name, child, message: messageOf(result.error) });
        return record;
      }
      this.emit({ type: "restart", supervisor: this.name, child, restarts: record.restarts, delayMs });
    }
    return undefined;
  }

  private async giveUp(epoch: number): Promise<void> {
    for (const record of [...this.records].reverse()) {
      if (record.state === "retired") continue;
      await this.stopChild(record);
      // stop() arrived meanwhile: it wins, and finishes the job as a plain stop.
      if (epoch !== this.epoch) return;
    }
    // Not retired here: the children hold their calls until whoever handles this exit decides. A parent
    // restarting this subtree delivers them; a parent that will not (or the system, for the root)
    // retires the subtree, and the held calls then reject with ERR_CLIENT_UNAVAILABLE.
    for (const record of this.records) record.state = "stopped";
    this.active = false;
    this.status = "failed";
    const { maxRestarts, withinMs } = this.spec;
    this.emit({ type: "give_up", supervisor: this.name, restarts: this.history.length, withinMs });
    this.fireExit({
      kind: "shutdown",
      message: `supervisor "${this.name}" gave up: more than ${maxRestarts} restarts within ${withinMs} ms`,
    });
  }

  private async startChild(record: ChildRecord): Promise<StartResult> {
    record.state = "starting";
    record.retiredAs = undefined;
    record.incarnation++;
    try {
      await record.child.start();
    } catch (error) {
      record.state = "stopped";
      return { ok: false, error };
    }
    record.state = "running";
    if (record.started) record.restarts++;
    record.started = true;
    return { ok: true };
  }

  private async stopChild(record: ChildRecord): Promise<void> {
    record.state = "stopping";
    try {
      await record.child.stop();
    } catch {
      // Child.stop never rejects by contract; a broken one must still not wedge the tree.
    }
    record.state = "stopped";
  }

  private retireChild(record: ChildRecord, reason: "unavailable" | "stopped"): void {
    record.state = "retired";
    // Told once per reason: a parent retiring a subtree its own stop() already retired adds nothing.
    if (record.retiredAs === reason) return;
    record.retiredAs = reason;
    record.child.retire(reason);
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      this.delay(ms, signal).then(done, done);
    });
  }

  private fireExit(reason: ExitReason): void {
    if (this.exitFired) return;
    this.exitFired = true;
    for (const listener of [...this.exitListeners]) {
      try {
        listener(reason);
      } catch {
        // A listener's bug must not stop the others (the parent among them) from hearing the crash.
      }
    }
  }

  private emit(event: SupervisorEvent): void {
    try {
      this.deps.emit(event);
    } catch {
      // The sink belongs to the user; a throwing listener must not break restart handling.
    }
  }

  private stoppedWhileStarting(): SystemStoppedError {
    return new SystemStoppedError({
      code: "ERR_SYSTEM_STOPPED",
      message: `supervisor "${this.name}" was stopped while starting`,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error `start()` rejects with: the child's own `ERR_START_FAILED` passes through unchanged. */
function startFailure(supervisor: string, child: Child, cause: unknown): DspexError {
  if (isDspexError(cause, "ERR_START_FAILED")) return cause;
  return new StartFailedError(
    {
      code: "ERR_START_FAILED",
      client: child.name,
      message: `${child.kind} "${child.name}" of supervisor "${supervisor}" failed to start: ${messageOf(cause)}`,
    },
    { cause },
  );
}
