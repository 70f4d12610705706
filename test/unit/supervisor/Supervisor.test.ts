import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import type { Strategy } from "../../../src/types.js";
import type { ExitReason } from "../../../supervisor/Child.js";
import { gate, harness } from "./FakeChild.js";

const abc = (strategy: Strategy, maxRestarts = 10) =>
  harness({
    strategy,
    maxRestarts,
    withinMs: 1_000,
    children: [{ name: "a" }, { name: "b" }, { name: "c" }],
  });

describe("Supervisor start and stop", () => {
  it("starts children in order and stops them in reverse order, retiring each", async () => {
    const h = abc("one_for_one");
    expect(h.root.snapshot().status).toBe("stopped");
    await h.root.start();
    expect(h.root.snapshot().status).toBe("running");
    await h.root.stop();
    expect(h.log).toEqual([
      "start:a",
      "start:b",
      "start:c",
      "stop:c",
      "retire:c:stopped",
      "stop:b",
      "retire:b:stopped",
      "stop:a",
      "retire:a:stopped",
    ]);
    expect(h.root.snapshot().status).toBe("stopped");
    await h.root.stop(); // nothing runs: resolves at once, nothing more happens
    expect(h.log).toHaveLength(9);
  });

  it("rolls back a failed start in reverse order and rejects naming the child", async () => {
    const h = harness({ children: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }] });
    h.client("c").failNextStarts = 1;
    const error = await h.root.start().catch((e: unknown) => e);
    expect(isDspexError(error, "ERR_START_FAILED")).toBe(true);
    expect((error as Error).message).toContain('"c"');
    expect((error as Error).message).toContain("c cannot start");
    expect(h.log).toEqual(["start:a", "start:b", "start:c", "fail:c", "stop:b", "stop:a"]);
    expect(h.client("d").starts).toBe(0);
    expect(h.root.snapshot().status).toBe("failed");
    expect(h.events).toEqual([]);
    // A later start is a fresh one.
    await h.root.start();
    expect(h.root.snapshot().status).toBe("running");
    expect(h.log.slice(6)).toEqual(["start:a", "start:b", "start:c", "start:d"]);
  });

  it("boots the whole tree before the first start, nested supervisors included", async () => {
    const h = harness({
      children: [
        { name: "a" },
        { type: "supervisor", name: "inner", children: [{ name: "b" }, { name: "c" }] },
      ],
    });
    const booted: number[] = [];
    h.client("a").onStartBegin = () => {
      for (const name of ["a", "b", "c"]) booted.push(h.client(name).booted);
    };
    await h.root.start();
    expect(booted).toEqual([1, 1, 1]);
    expect(["a", "b", "c"].map((n) => h.client(n).bootedStarts)).toEqual([1, 1, 1]);
    expect(h.log).toEqual(["start:a", "start:b", "start:c"]);
  });

  it("releases the boots of the children after a failed start (nested ones included)", async () => {
    const h = harness({
      children: [
        { name: "a" },
        { name: "b" },
        { type: "supervisor", name: "inner", children: [{ name: "c" }] },
        { name: "d" },
      ],
    });
    h.client("b").failNextStarts = 1;
    await expect(h.root.start()).rejects.toThrow(/"b"/);
    expect(h.log).toEqual(["start:a", "start:b", "fail:b", "stop:a"]);
    expect(["c", "d"].map((n) => h.client(n).starts)).toEqual([0, 0]);
    expect(["c", "d"].map((n) => h.client(n).unboots)).toEqual([1, 1]);
  });

  it("boots the children a restart brings back before stopping the siblings", async () => {
    const h = abc("rest_for_one");
    await h.root.start();
    h.log.length = 0;
    const bootedAtStop: number[] = [];
    const c = h.client("c");
    const stop = c.stop.bind(c);
    c.stop = () => {
      bootedAtStop.push(h.client("b").booted, c.booted, h.client("a").booted);
      return stop();
    };
    h.client("b").crash();
    await h.settle();
    expect(bootedAtStop).toEqual([1, 1, 0]);
    expect(h.log).toEqual(["stop:c", "start:b", "start:c"]);
    expect(["b", "c"].map((n) => h.client(n).bootedStarts)).toEqual([2, 2]);
  });

  it("refuses start() while running", async () => {
    const h = abc("one_for_one");
    await h.root.start();
    await expect(h.root.start()).rejects.toThrow(/already running/);
  });

  it("handles a crash during start after the start completes", async () => {
    const h = harness({ children: [{ name: "a" }, { name: "b" }] });
    const b = h.client("b");
    b.startGate = gate();
    b.onStartBegin = () => {
      b.onStartBegin = undefined;
      h.client("a").crash();
    };
    const started = h.root.start();
    expect(h.root.snapshot().status).toBe("starting");
    b.startGate?.open();
    await started;
    await h.settle();
    expect(h.log).toEqual(["start:a", "start:b", "start:a"]);
    expect(h.events.map((e) => e.type)).toEqual(["crash", "restart"]);
  });

  it("stop() during start stops what started and rejects the start", async () => {
    const h = abc("one_for_one");
    const b = h.client("b");
    const g = gate();
    b.startGate = g;
    const reached = gate();
    let stopped: Promise<void> | undefined;
    b.onStartBegin = () => {
      stopped = h.root.stop();
      reached.open();
    };
    const startError = h.root.start().catch((e: unknown) => e);
    await reached.promise; // b is starting, held by the gate; the stop waits behind the start
    g.open();
    await stopped;
    expect(isDspexError(await startError, "ERR_SYSTEM_STOPPED")).toBe(true);
    expect(h.log).toEqual([
      "start:a",
      "start:b",
      "retire:c:stopped",
      "stop:b",
      "retire:b:stopped",
      "stop:a",
      "retire:a:stopped",
    ]);
    expect(h.client("c").starts).toBe(0);
    expect(h.root.snapshot().status).toBe("stopped");
  });
});

describe("Supervisor strategies", () => {
  it("one_for_one restarts only the dead child", async () => {
    const h = abc("one_for_one");
    await h.root.start();
    h.log.length = 0;
    h.client("b").crash();
    await h.settle();
    expect(h.log).toEqual(["start:b"]);
    expect(h.events).toEqual([
      { type: "crash", supervisor: "root", child: "b", cause: "error", message: "b crashed" },
      { type: "restart", supervisor: "root", child: "b", restarts: 1, delayMs: 0 },
    ]);
    expect(["a", "b", "c"].map((n) => h.client(n).marks)).toEqual([0, 1, 0]);
  });

  it("one_for_all stops every sibling in reverse order, then starts all in order", async () => {
    const h = abc("one_for_all");
    await h.root.start();
    h.log.length = 0;
    h.client("b").crash("killed", "killed by test");
    await h.settle();
    expect(h.log).toEqual(["stop:c", "stop:a", "start:a", "start:b", "start:c"]);
    expect(h.events).toEqual([
      { type: "crash", supervisor: "root", child: "b", cause: "killed", message: "killed by test" },
      { type: "restart", supervisor: "root", child: "a", restarts: 1, delayMs: 0 },
      { type: "restart", supervisor: "root", child: "b", restarts: 1, delayMs: 0 },
      { type: "restart", supervisor: "root", child: "c", restarts: 1, delayMs: 0 },
    ]);
    expect(["a", "b", "c"].map((n) => h.client(n).marks)).toEqual([1, 1, 1]);
    expect(["a", "b", "c"].flatMap((n) => h.client(n).retirements)).toEqual([]);
  });

  it("rest_for_one restarts the dead child and those started after it", async () => {
    const h = abc("rest_for_one");
    await h.root.start();
    h.log.length = 0;
    h.client("b").crash();
    await h.settle();
    expect(h.log).toEqual(["stop:c", "start:b", "start:c"]);
    expect(h.events.filter((e) => e.type === "restart").map((e) => e.child)).toEqual(["b", "c"]);
    expect(h.root.snapshot().children?.map((c) => c.restarts)).toEqual([0, 1, 1]);
  });
});

describe("Supervisor restart types", () => {
  const typed = (strategy: Strategy = "one_for_one") =>
    harness({
      strategy,
      children: [{ name: "p" }, { name: "tr", restart: "transient" }, { name: "tmp", restart: "temporary" }],
    });

  it("restarts a permanent child even after a normal exit", async () => {
    const h = typed();
    await h.root.start();
    h.client("p").exitNormally();
    await h.settle();
    expect(h.client("p").starts).toBe(2);
    expect(h.events).toEqual([{ type: "restart", supervisor: "root", child: "p", restarts: 1, delayMs: 0 }]);
  });

  it("restarts a transient child after a crash but not after a normal exit", async () => {
    const h = typed();
    await h.root.start();
    h.client("tr").crash();
    await h.settle();
    expect(h.client("tr").starts).toBe(2);
    h.client("tr").exitNormally();
    await h.settle();
    expect(h.client("tr").starts).toBe(2);
    expect(h.client("tr").retirements).toEqual(["unavailable"]);
    expect(h.events.map((e) => e.type)).toEqual(["crash", "restart", "exit"]);
    expect(h.events[2]).toEqual({ type: "exit", supervisor: "root", child: "tr", restart: "transient" });
    expect(h.root.snapshot().status).toBe("running");
  });

  it("never restarts a temporary child", async () => {
    const h = typed();
    await h.root.start();
    h.client("tmp").crash("oom", "heap");
    await h.settle();
    expect(h.client("tmp").starts).toBe(1);
    expect(h.client("tmp").retirements).toEqual(["unavailable"]);
    expect(h.events).toEqual([
      { type: "crash", supervisor: "root", child: "tmp", cause: "oom", message: "heap" },
      { type: "exit", supervisor: "root", child: "tmp", restart: "temporary" },
    ]);
    const snap = h.root.snapshot().children?.[2];
    expect(snap).toMatchObject({ name: "tmp", status: "stopped", restarts: 0 });
  });

  it("does not restart a temporary sibling stopped by a one_for_all restart", async () => {
    const h = typed("one_for_all");
    await h.root.start();
    h.log.length = 0;
    h.client("p").crash();
    await h.settle();
    expect(h.log).toEqual(["stop:tmp", "retire:tmp:unavailable", "stop:tr", "start:p", "start:tr"]);
    expect(h.events.map((e) => `${e.type}:${"child" in e ? e.child : ""}`)).toEqual([
      "crash:p",
      "exit:tmp",
      "restart:p",
      "restart:tr",
    ]);
    expect(h.client("tmp").marks).toBe(0);
    // It stays down through later restarts too.
    h.log.length = 0;
    h.client("tr").crash();
    await h.settle();
    expect(h.log).toEqual(["stop:p", "start:p", "start:tr"]);
  });
});

describe("Supervisor restart intensity", () => {
  it("gives up on the restart past maxRestarts: stops, fails and escalates, leaving retirement to its owner", async () => {
    const h = harness({
      strategy: "one_for_one",
      maxRestarts: 2,
      withinMs: 1_000,
      children: [{ name: "a" }, { name: "b" }, { name: "c" }],
    });
    const exits: ExitReason[] = [];
    h.root.onExit((r) => exits.push(r));
    await h.root.start();
    for (const now of [0, 100]) {
      h.clock.now = now;
      h.client("b").crash();
      await h.settle();
    }
    expect(h.root.snapshot().status).toBe("running");
    expect(exits).toEqual([]);
    h.log.length = 0;
    h.clock.now = 200;
    h.client("b").crash();
    await h.settle();
    // Not retired: the children hold their calls until the parent (or the system) decides.
    expect(h.log).toEqual(["stop:c", "stop:a"]);
    expect(h.events.at(-1)).toEqual({ type: "give_up", supervisor: "root", restarts: 3, withinMs: 1_000 });
    expect(h.root.snapshot().status).toBe("failed");
    expect(exits).toEqual([
      { kind: "shutdown", message: 'supervisor "root" gave up: more than 2 restarts within 1000 ms' },
    ]);
    // A stop after giving up does nothing: nothing runs. The owner's retire() reaches every child once.
    await h.root.stop();
    expect(h.log).toHaveLength(2);
    h.root.retire("unavailable");
    expect(h.log.slice(2)).toEqual(["retire:a:unavailable", "retire:b:unavailable", "retire:c:unavailable"]);
  });

  it("slides the window: old restarts stop counting", async () => {
    const h = harness({ maxRestarts: 2, withinMs: 1_000, children: [{ name: "a" }] });
    await h.root.start();
    for (const now of [0, 500, 1_001]) {
      h.clock.now = now;
      h.client("a").crash();
      await h.settle();
    }
    expect(h.root.snapshot().status).toBe("running");
    expect(h.client("a").starts).toBe(4);
    h.clock.now = 1_500; // 500, 1001, 1500 are all within 1000 ms of 1500
    h.client("a").crash();
    await h.settle();
    expect(h.root.snapshot().status).toBe("failed");
    expect(h.events.at(-1)).toMatchObject({ type: "give_up", restarts: 3 });
  });

  it("gives up on the first crash when maxRestarts is 0", async () => {
    const h = harness({ maxRestarts: 0, children: [{ name: "a" }] });
    await h.root.start();
    h.client("a").crash();
    await h.settle();
    expect(h.client("a").starts).toBe(1);
    expect(h.events.map((e) => e.type)).toEqual(["crash", "give_up"]);
  });

  it("counts failed restart attempts, retrying after a backoff", async () => {
    const h = harness({ maxRestarts: 3, withinMs: 1_000, children: [{ name: "a" }] });
    await h.root.start();
    h.client("a").failNextStarts = 2;
    h.client("a").crash();
    await h.settle();
    expect(h.events).toEqual([
      { type: "crash", supervisor: "root", child: "a", cause: "error", message: "a crashed" },
      { type: "restart_failed", supervisor: "root", child: "a", message: "a cannot start" },
      { type: "restart_failed", supervisor: "root", child: "a", message: "a cannot start" },
      { type: "restart", supervisor: "root", child: "a", restarts: 1, delayMs: 20 },
    ]);
    expect(h.delays).toEqual([10, 20]);
    expect(h.root.snapshot().status).toBe("running");
    // Three attempts are in the window: the next crash is the fourth.
    h.client("a").crash();
    await h.settle();
    expect(h.events.at(-1)).toEqual({ type: "give_up", supervisor: "root", restarts: 4, withinMs: 1_000 });
  });

  it("retries a failed one_for_all restart as a whole, stopping what the failed attempt started", async () => {
    const h = abc("one_for_all");
    await h.root.start();
    h.log.length = 0;
    h.client("b").failNextStarts = 1;
    h.client("b").crash();
    await h.settle();
    expect(h.log).toEqual([
      "stop:c",
      "stop:a",
      "start:a",
      "start:b",
      "fail:b",
      "stop:a",
      "start:a",
      "start:b",
      "start:c",
    ]);
    expect(h.events.map((e) => `${e.type}:${"child" in e ? e.child : ""}`)).toEqual([
      "crash:b",
      "restart:a",
      "restart_failed:b",
      "restart:a",
      "restart:b",
      "restart:c",
    ]);
    expect(h.delays).toEqual([10]);
    expect(h.root.snapshot().children?.map((c) => c.restarts)).toEqual([2, 1, 1]);
  });

  it("gives up when restarts keep failing", async () => {
    const h = harness({ maxRestarts: 2, withinMs: 1_000, children: [{ name: "a" }, { name: "b" }] });
    await h.root.start();
    h.client("a").failNextStarts = 100;
    h.client("a").crash();
    await h.settle();
    expect(h.events.map((e) => e.type)).toEqual(["crash", "restart_failed", "restart_failed", "give_up"]);
    expect(h.client("a").starts).toBe(3);
    expect(h.client("b").retirements).toEqual([]);
  });

  it("waits 0, 10, 20, 40 ms before successive restarts in a window", async () => {
    const h = harness({ maxRestarts: 10, withinMs: 1_000, children: [{ name: "a" }] });
    await h.root.start();
    for (let i = 0; i < 4; i++) {
      h.client("a").crash();
      await h.settle();
    }
    expect(h.delays).toEqual([10, 20, 40]);
    expect(h.events.filter((e) => e.type === "restart").map((e) => e.delayMs)).toEqual([0, 10, 20, 40]);
    expect(h.root.snapshot().children?.[0]?.restarts).toBe(4);
  });
});

describe("Supervisor concurrency", () => {
  it("queues an exit that arrives during a restart and handles it after", async () => {
    const h = abc("one_for_one");
    await h.root.start();
    h.log.length = 0;
    const g = gate();
    const reached = gate();
    const a = h.client("a");
    a.startGate = g;
    a.onStartBegin = () => {
      a.onStartBegin = undefined;
      h.client("b").crash(); // arrives while a's restart is in progress
      reached.open();
    };
    a.crash();
    await reached.promise;
    expect(h.root.snapshot().status).toBe("restarting");
    expect(h.client("b").starts).toBe(1);
    g.open();
    await h.settle();
    expect(h.log).toEqual(["start:a", "start:b"]);
    expect(h.events.map((e) => `${e.type}:${"child" in e ? e.child : ""}`)).toEqual([
      "crash:a",
      "crash:b",
      "restart:a",
      "restart:b",
    ]);
    expect(h.events.at(-1)).toMatchObject({ delayMs: 10 });
    expect(h.root.snapshot().status).toBe("running");
  });

  it("drops a queued exit whose child a one_for_all restart already restarted", async () => {
    const h = harness({ strategy: "one_for_all", children: [{ name: "a" }, { name: "b" }] });
    await h.root.start();
    h.log.length = 0;
    h.client("a").crash();
    h.client("b").crash();
    await h.settle();
    expect(h.log).toEqual(["start:a", "start:b"]);
    expect(h.events.map((e) => e.type)).toEqual(["crash", "crash", "restart", "restart"]);
  });

  it("stop() during a restart wins: the restart is abandoned and everything stops", async () => {
    const h = abc("one_for_all");
    await h.root.start();
    h.log.length = 0;
    const g = gate();
    const reached = gate();
    const a = h.client("a");
    a.startGate = g;
    let stopped: Promise<void> | undefined;
    a.onStartBegin = () => {
      a.onStartBegin = undefined;
      stopped = h.root.stop();
      reached.open();
    };
    h.client("b").crash();
    await reached.promise;
    g.open();
    await stopped;
    await h.settle();
    expect(h.log).toEqual([
      "stop:c",
      "stop:a",
      "start:a",
      "retire:c:stopped",
      "retire:b:stopped",
      "stop:a",
      "retire:a:stopped",
    ]);
    expect(h.events.map((e) => e.type)).toEqual(["crash"]);
    expect(h.root.snapshot().status).toBe("stopped");
  });

  it("stop() cuts a restart backoff short", async () => {
    const h = harness({ children: [{ name: "a" }, { name: "b" }] });
    await h.root.start();
    h.client("a").crash();
    await h.settle();
    const asked = gate();
    h.delay = () => {
      asked.open();
      return new Promise<void>(() => {}); // a backoff that would never end
    };
    h.client("a").crash();
    await asked.promise;
    await h.root.stop();
    expect(h.delays).toEqual([10]);
    expect(h.client("a").starts).toBe(2);
    expect(h.client("a").retirements).toEqual(["stopped"]);
    expect(h.root.snapshot().status).toBe("stopped");
  });

  it("ignores exits after stop()", async () => {
    const h = abc("one_for_one");
    await h.root.start();
    const stopped = h.root.stop();
    h.client("a").crash(); // still running: the stop has not reached it yet
    await stopped;
    await h.settle();
    expect(h.events).toEqual([]);
    expect(h.client("a").starts).toBe(1);
  });
});

describe("Supervisor snapshot", () => {
  it("shows status, strategy and each child's restart count", async () => {
    const h = abc("rest_for_one");
    await h.root.start();
    h.client("a").crash();
    await h.settle();
    h.client("c").crash();
    await h.settle();
    expect(h.root.snapshot()).toEqual({
      name: "root",
      type: "supervisor",
      status: "running",
      restarts: 0,
      strategy: "rest_for_one",
      children: [
        { name: "a", type: "client", status: "running", restarts: 1 },
        { name: "b", type: "client", status: "running", restarts: 1 },
        { name: "c", type: "client", status: "running", restarts: 2 },
      ],
    });
  });
});
