import { describe, expect, it } from "vitest";
import { restartPlan } from "../../../supervisor/RestartStrategy.js";

const children = ["a", "b", "c", "d"] as const;

describe("restartPlan", () => {
  it("one_for_one stops and starts only the dead child", () => {
    expect(restartPlan("one_for_one", children, 1)).toEqual({ stop: ["b"], start: ["b"] });
  });

  it("one_for_all stops every child in reverse order and starts all in order", () => {
    expect(restartPlan("one_for_all", children, 2)).toEqual({
      stop: ["d", "c", "b", "a"],
      start: ["a", "b", "c", "d"],
    });
  });

  it("rest_for_one takes the dead child and those started after it", () => {
    expect(restartPlan("rest_for_one", children, 1)).toEqual({
      stop: ["d", "c", "b"],
      start: ["b", "c", "d"],
    });
    expect(restartPlan("rest_for_one", children, 3)).toEqual({ stop: ["d"], start: ["d"] });
    expect(restartPlan("rest_for_one", children, 0).start).toEqual(["a", "b", "c", "d"]);
  });

  it("rejects an index outside the children", () => {
    expect(() => restartPlan("one_for_one", children, 4)).toThrow(RangeError);
    expect(() => restartPlan("one_for_one", children, -1)).toThrow(RangeError);
  });
});
