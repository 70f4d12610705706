import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import type { ExitReason } from "../../../supervisor/Child.js";
import { harness } from "./FakeChild.js";

/** root (one_for_one) -> a, sub (one_for_one) -> b, c */
const nested = (rootMax: number, subMax: number) =>
  harness({
    strategy: "one_for_one",
    maxRestarts: rootMax,
    withinMs: 1_000,
    children: [
      { name: "a" },
      {
        type: "supervisor",
        name: "sub",
        strategy: "one_for_one",
        maxRestarts: subMax,
        withinMs: 1_000,
        children: [{ name: "b" }, { name: "c" }],
      },
    ],
  });

const tag = (e: { type: string; supervisor: string; child?: string }) =>
  `${e.supervisor}:${e.type}${e.child === undefined ? "" : `:${e.child}`}`;

describe("nested supervisors", () => {
  it("starts depth first in order and stops in reverse", async () => {
    const h = nested(3, 3);
    await h.root.start();
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
    expect(h.root.snapshot().children?.[1]).toMatchObject({ name: "sub", status: "stopped" });
  });

  it("a child supervisor that gives up is restarted by its parent with a fresh history", async () => {
    const h = nested(3, 1);
    await h.root.start();
    h.log.length = 0;
    h.clock.now = 0;
    h.client("b").crash();
    await h.settle();
    h.clock.now = 10;
    h.client("b").crash(); // second restart in sub's window: sub gives up
    await h.settle();
    // The sub-tree's clients are not retired when it gives up: their calls stay held and the
    // parent's restart delivers them.
    expect(h.log).toEqual(["start:b", "stop:c", "start:b", "start:c"]);
    expect(h.events.map(tag)).toEqual([
      "sub:crash:b",
      "sub:restart:b",
      "sub:crash:b",
      "sub:give_up",
      // OTP: a supervisor that gave up exits with `shutdown`, not a crash: no crash event, and its
      // permanent parent restarts it.
      "root:restart:sub",
    ]);
    // The parent marked the subtree restarting and did not retire it as stopped.
    expect(h.client("b").marks).toBe(2);
    expect(h.client("c").marks).toBe(1);
    expect(h.client("c").retirements).toEqual([]);
    expect(h.root.snapshot()).toMatchObject({
      status: "running",
      restarts: 0,
      children: [
        { name: "a", restarts: 0, status: "running" },
        {
          name: "sub",
          type: "supervisor",
          status: "running",
          restarts: 1,
          strategy: "one_for_one",
          children: [
            { name: "b", restarts: 2, status: "running" },
            { name: "c", restarts: 1, status: "running" },
          ],
        },
      ],
    });
    // Fresh history: one more crash at once is within sub's limit again.
    h.clock.now = 20;
    h.client("b").crash();
    await h.settle();
    expect(h.events.map(tag).slice(5)).toEqual(["sub:crash:b", "sub:restart:b"]);
    expect(h.supervisor("sub").snapshot().status).toBe("running");
  });

  it("OTP: a transient supervisor that gives up exits with shutdown and is not restarted", async () => {
    const h = harness({
      strategy: "one_for_one",
      maxRestarts: 3,
      withinMs: 1_000,
      children: [
        { name: "a" },
        {
          type: "supervisor",
          name: "sub",
          restart: "transient",
          strategy: "one_for_one",
          maxRestarts: 0,
          withinMs: 1_000,
          children: [{ name: "b" }, { name: "c" }],
        },
      ],
    });
    const subExits: ExitReason[] = [];
    h.supervisor("sub").onExit((r) => subExits.push(r));
    await h.root.start();
    h.log.length = 0;
    h.client("b").crash(); // sub's intensity is 0: it gives up at once
    await h.settle();
    expect(subExits).toEqual([
      { kind: "shutdown", message: 'supervisor "sub" gave up: more than 0 restarts within 1000 ms' },
    ]);
    expect(h.events.map(tag)).toEqual(["sub:crash:b", "sub:give_up", "root:exit:sub"]);
    expect(h.events.at(-1)).toEqual({ type: "exit", supervisor: "root", child: "sub", restart: "transient" });
    // Not restarted: its clients are retired (their calls reject as unavailable), the root runs on.
    expect(h.log).toEqual(["stop:c", "retire:b:unavailable", "retire:c:unavailable"]);
    expect(h.client("b").starts).toBe(1);
    expect(h.root.snapshot()).toMatchObject({
      status: "running",
      children: [
        { name: "a", status: "running", restarts: 0 },
        { name: "sub", status: "failed", restarts: 0 },
      ],
    });
    // The root spent nothing of its own intensity on it.
    h.client("a").crash();
    await h.settle();
    expect(h.events.map(tag).slice(3)).toEqual(["root:crash:a", "root:restart:a"]);
  });

  it("OTP: a temporary supervisor that gives up is not restarted either; a crash of a transient client still is", async () => {
    const h = harness({
      strategy: "one_for_one",
      maxRestarts: 3,
      withinMs: 1_000,
      children: [
        { name: "t", restart: "transient" },
        {
          type: "supervisor",
          name: "sub",
          restart: "temporary",
          maxRestarts: 0,
          withinMs: 1_000,
          children: [{ name: "b" }],
        },
      ],
    });
    await h.root.start();
    h.client("b").crash();
    await h.settle();
    expect(h.events.map(tag)).toEqual(["sub:crash:b", "sub:give_up", "root:exit:sub"]);
    h.client("t").crash(); // a crash is abnormal: transient is restarted
    await h.settle();
    expect(h.events.map(tag).slice(3)).toEqual(["root:crash:t", "root:restart:t"]);
  });

  it("escalates to the root: when the root's intensity is exceeded it fails and fires onExit", async () => {
    const h = nested(1, 0);
    const rootExits: ExitReason[] = [];
    h.root.onExit((r) => rootExits.push(r));
    await h.root.start();
    h.log.length = 0;
    h.client("b").crash(); // sub gives up at once; root restarts sub (1 of 1)
    await h.settle();
    h.clock.now = 100;
    h.client("c").crash(); // sub gives up again; root's second restart exceeds 1
    await h.settle();
    expect(h.events.map(tag)).toEqual([
      "sub:crash:b",
      "sub:give_up",
      "root:restart:sub",
      "sub:crash:c",
      "sub:give_up",
      "root:give_up",
    ]);
    expect(h.log).toEqual(["stop:c", "start:b", "start:c", "stop:b", "stop:a"]);
    // Nobody retired anything: the root's owner (the system) does, and each client hears it once.
    expect(h.client("b").retirements).toEqual([]);
    h.root.retire("unavailable");
    expect(h.client("b").retirements).toEqual(["unavailable"]);
    expect(h.client("a").retirements).toEqual(["unavailable"]);
    expect(h.root.snapshot().status).toBe("failed");
    expect(h.supervisor("sub").snapshot().status).toBe("failed");
    expect(rootExits).toEqual([
      { kind: "shutdown", message: 'supervisor "root" gave up: more than 1 restarts within 1000 ms' },
    ]);
    // The owner may start the root again: everything comes back.
    h.log.length = 0;
    await h.root.start();
    expect(h.log).toEqual(["start:a", "start:b", "start:c"]);
    expect(h.root.snapshot().status).toBe("running");
  });

  it("a nested supervisor stopped by a one_for_all sibling restart keeps its clients' calls held", async () => {
    const h = harness({
      strategy: "one_for_all",
      children: [{ name: "a" }, { type: "supervisor", name: "sub", children: [{ name: "b" }] }],
    });
    await h.root.start();
    h.log.length = 0;
    h.client("a").crash();
    await h.settle();
    expect(h.log).toEqual(["stop:b", "start:a", "start:b"]);
    expect(h.client("b").retirements).toEqual([]);
    expect(h.client("b").marks).toBe(1);
    expect(h.root.snapshot().children?.map((c) => c.restarts)).toEqual([1, 1]);
  });

  it("a temporary nested supervisor stopped by a sibling's restart retires its clients as unavailable", async () => {
    const h = harness({
      strategy: "one_for_all",
      children: [
        { name: "a" },
        { type: "supervisor", name: "sub", restart: "temporary", children: [{ name: "b" }] },
      ],
    });
    await h.root.start();
    h.log.length = 0;
    h.client("a").crash();
    await h.settle();
    expect(h.log).toEqual(["stop:b", "retire:b:stopped", "retire:b:unavailable", "start:a"]);
    expect(h.events.map(tag)).toEqual(["root:crash:a", "root:exit:sub", "root:restart:a"]);
  });

  it("a failed start deep in the tree rolls back everything and names the client", async () => {
    const h = nested(3, 3);
    h.client("c").failNextStarts = 1;
    const error = await h.root.start().catch((e: unknown) => e);
    expect(isDspexError(error, "ERR_START_FAILED")).toBe(true);
    expect((error as Error).message).toBe('client "c" of supervisor "sub" failed to start: c cannot start');
    expect(h.log).toEqual(["start:a", "start:b", "start:c", "fail:c", "stop:b", "stop:a"]);
    expect(h.root.snapshot().status).toBe("failed");
  });
});
