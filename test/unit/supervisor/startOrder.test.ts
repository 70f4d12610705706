import { describe, expect, it } from "vitest";
import { ChildSlot } from "../../../supervisor/ChildSlot.js";
import { startInOrder } from "../../../supervisor/startOrder.js";
import { FakeChild, gate } from "./FakeChild.js";

function slots(names: string[], log: string[]): { slots: ChildSlot[]; children: FakeChild[] } {
  const children = names.map((name) => new FakeChild(name, "permanent", log));
  return { slots: children.map((c) => new ChildSlot(c)), children };
}

describe("startInOrder", () => {
  it("boots every child before the first start, then starts them one at a time in order", async () => {
    const log: string[] = [];
    const { slots: s, children } = slots(["a", "b", "c"], log);
    const bootedAtFirstStart: number[] = [];
    (children[0] as FakeChild).onStartBegin = () => {
      for (const c of children) bootedAtFirstStart.push(c.booted);
    };
    const held = gate();
    (children[1] as FakeChild).startGate = held;
    const started: string[] = [];
    const outcome = startInOrder(
      s,
      () => true,
      (slot) => started.push(slot.child.name),
    );
    await Promise.resolve();
    await Promise.resolve();
    // b's start is pending: c has not been asked to start (it is booted, not ready).
    expect(log).toEqual(["start:a", "start:b"]);
    held.open();
    expect(await outcome).toEqual({ kind: "started" });
    expect(bootedAtFirstStart).toEqual([1, 1, 1]);
    expect(started).toEqual(["a", "b", "c"]);
    expect(children.map((c) => c.bootedStarts)).toEqual([1, 1, 1]);
  });

  it("stops at the first failure: the children after it never start and their boots are released", async () => {
    const log: string[] = [];
    const { slots: s, children } = slots(["a", "b", "c", "d"], log);
    (children[1] as FakeChild).failNextStarts = 1;
    const outcome = await startInOrder(s, () => true);
    expect(outcome.kind).toBe("failed");
    if (outcome.kind !== "failed") return;
    expect(outcome.slot).toBe(s[1]);
    expect(outcome.started).toEqual([s[0]]);
    expect(log).toEqual(["start:a", "start:b", "fail:b"]);
    expect(children.map((c) => c.starts)).toEqual([1, 1, 0, 0]);
    expect(children.map((c) => c.unboots)).toEqual([0, 0, 1, 1]);
  });

  it("stops when the run is no longer current, releasing the boots of the rest", async () => {
    const log: string[] = [];
    const { slots: s, children } = slots(["a", "b", "c"], log);
    let current = true;
    (children[0] as FakeChild).onStartBegin = () => {
      current = false;
    };
    expect(await startInOrder(s, () => current)).toEqual({ kind: "stale" });
    expect(children.map((c) => c.starts)).toEqual([1, 0, 0]);
    expect(children.map((c) => c.unboots)).toEqual([0, 1, 1]);
  });
});
