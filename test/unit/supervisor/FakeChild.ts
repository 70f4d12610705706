/**
 * A scripted {@link Child} for supervisor tests: starts that fail or wait on a gate, crashes and normal
 * exits on demand, and a shared log of every start, stop and retirement in the order they happened.
 */

import { resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { NodeSnapshot, NodeStatus, RestartType, SystemSpec } from "../../../src/types.js";
import {
  type Child,
  type CrashCause,
  type ExitReason,
  type Subscription,
  subscription,
} from "../../../supervisor/Child.js";
import type { SupervisorEvent } from "../../../supervisor/events.js";
import type { Supervisor } from "../../../supervisor/Supervisor.js";
import { buildSupervisorTree } from "../../../supervisor/SupervisorTree.js";

/** A promise with its resolver exposed. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A gate that holds whoever awaits it until `open()`. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A fake client child. */
export class FakeChild implements Child {
  readonly kind = "client" as const;
  status: NodeStatus = "stopped";
  /** The next this-many starts fail. */
  failNextStarts = 0;
  /** When set, the next start waits for it (then it is cleared). */
  startGate: Gate | undefined;
  /** Called when a start begins (lets a test act while the start is pending). */
  onStartBegin: (() => void) | undefined;
  starts = 0;
  marks = 0;
  /** `boot()` calls not yet used by a start or released (0 or 1: boot is idempotent). */
  booted = 0;
  /** Boots released without a start. */
  unboots = 0;
  /** Starts that found a boot ready for them. */
  bootedStarts = 0;
  readonly retirements: Array<"unavailable" | "stopped"> = [];
  private readonly listeners = new Set<(reason: ExitReason) => void>();

  constructor(
    readonly name: string,
    readonly restart: RestartType,
    private readonly log: string[],
  ) {}

  boot(): void {
    this.booted = 1;
  }

  unboot(): void {
    if (this.booted === 0) return;
    this.booted = 0;
    this.unboots++;
  }

  async start(): Promise<void> {
    this.starts++;
    this.log.push(`start:${this.name}`);
    this.onStartBegin?.();
    this.bootedStarts += this.booted;
    this.booted = 0;
    const pending = this.startGate;
    this.startGate = undefined;
    if (pending !== undefined) await pending.promise;
    if (this.failNextStarts > 0) {
      this.failNextStarts--;
      this.log.push(`fail:${this.name}`);
      throw new Error(`${this.name} cannot start`);
    }
    this.status = "running";
  }

  async stop(): Promise<void> {
    // Only a real stop is logged: stopping a dead child is a no-op, as for a real worker.
    if (this.status === "running") this.log.push(`stop:${this.name}`);
    this.status = "stopped";
  }

  /** The running incarnation dies unasked. */
  crash(cause: CrashCause = "error", message = `${this.name} crashed`): void {
    this.exit({ kind: "crash", cause, message });
  }

  /** The running incarnation ends on its own, normally. */
  exitNormally(): void {
    this.exit({ kind: "normal" });
  }

  onExit(listener: (reason: ExitReason) => void): Subscription {
    this.listeners.add(listener);
    return subscription(() => void this.listeners.delete(listener));
  }

  retire(reason: "unavailable" | "stopped"): void {
    this.unboot();
    this.retirements.push(reason);
    this.log.push(`retire:${this.name}:${reason}`);
  }

  markRestarting(): void {
    this.marks++;
  }

  snapshot(): NodeSnapshot {
    // 999 proves the supervisor overrides `restarts` with its own count.
    return { name: this.name, type: "client", status: this.status, restarts: 999 };
  }

  private exit(reason: ExitReason): void {
    if (this.status !== "running") throw new Error(`${this.name} is not running`);
    this.status = "stopped";
    for (const listener of [...this.listeners]) listener(reason);
  }
}

/** A tree of fake clients with a controllable clock and backoff, and a log of what happened. */
export interface Harness {
  root: Supervisor;
  log: string[];
  events: SupervisorEvent[];
  /** Backoff delays the supervisors asked for, in order. */
  delays: number[];
  /** What the backoff does; resolves at once by default. */
  delay: (ms: number) => Promise<void>;
  clock: { now: number };
  client(name: string): FakeChild;
  supervisor(name: string): Supervisor;
  /** Waits until no supervisor of the tree has work in progress or queued. */
  settle(): Promise<void>;
}

type FakeClientSpec = { name: string; restart?: RestartType };
type FakeSupervisorSpec = Omit<SystemSpec, "children"> & {
  type: "supervisor";
  name: string;
  restart?: RestartType;
  children: FakeSpec[];
};
type FakeSpec = FakeClientSpec | FakeSupervisorSpec;

/** Builds a tree from a compact spec (clients need only a name) through the real spec resolver. */
export function harness(spec: Omit<SystemSpec, "children"> & { children: FakeSpec[] }): Harness {
  const log: string[] = [];
  const events: SupervisorEvent[] = [];
  const delays: number[] = [];
  const clients = new Map<string, FakeChild>();
  const h = {
    log,
    events,
    delays,
    clock: { now: 0 },
    delay: (_ms: number): Promise<void> => Promise.resolve(),
  } as Harness;
  h.root = buildSupervisorTree(resolveSystemSpec(toSystemSpec(spec)), {
    leaf: (s) => {
      const child = new FakeChild(s.name, s.restart, log);
      clients.set(s.name, child);
      return child;
    },
    emit: (e) => events.push(e),
    clock: () => h.clock.now,
    delay: (ms) => {
      delays.push(ms);
      return h.delay(ms);
    },
  });
  const supervisors = collect(h.root);
  h.client = (name) => {
    const child = clients.get(name);
    if (child === undefined) throw new Error(`no fake client ${name}`);
    return child;
  };
  h.supervisor = (name) => {
    const found = supervisors.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no supervisor ${name}`);
    return found;
  };
  h.settle = async () => {
    // Work in one supervisor can queue work in another (escalation), so repeat until nothing moves.
    for (;;) {
      const before = log.length + events.length;
      for (const s of [...supervisors].reverse()) await s.idle();
      for (const s of supervisors) await s.idle();
      if (log.length + events.length === before) return;
    }
  };
  return h;
}

function collect(root: Supervisor): Supervisor[] {
  const out: Supervisor[] = [root];
  for (const child of root.children) {
    if (child.kind === "supervisor") out.push(...collect(child as Supervisor));
  }
  return out;
}

function toSystemSpec(spec: Omit<SystemSpec, "children"> & { children: FakeSpec[] }): SystemSpec {
  return { ...spec, children: spec.children.map(toChildSpec) };
}

function toChildSpec(spec: FakeSpec): SystemSpec["children"][number] {
  if ("type" in spec) return { ...spec, children: spec.children.map(toChildSpec) };
  // A custom (keyless) URL: nothing is ever sent, and the spec needs no key.
  return {
    name: spec.name,
    provider: "openai",
    model: "fake",
    baseURL: "http://127.0.0.1:9/v1",
    restart: spec.restart ?? "permanent",
  };
}
