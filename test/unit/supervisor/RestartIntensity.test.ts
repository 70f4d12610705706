import { describe, expect, it } from "vitest";
import { checkRestartIntensity } from "../../../supervisor/RestartIntensity.js";

describe("checkRestartIntensity", () => {
  it("allows maxRestarts restarts in the window and refuses the next", () => {
    let history: number[] = [];
    const verdicts: boolean[] = [];
    for (const now of [0, 10, 20, 30]) {
      const check = checkRestartIntensity(history, now, 3, 1_000);
      verdicts.push(check.allowed);
      history = check.history;
    }
    expect(verdicts).toEqual([true, true, true, false]);
    expect(history).toEqual([0, 10, 20, 30]);
  });

  it("refuses the first restart when maxRestarts is 0", () => {
    expect(checkRestartIntensity([], 5, 0, 1_000)).toEqual({ allowed: false, history: [5] });
  });

  it("keeps a restart exactly withinMs old and drops one a millisecond older", () => {
    expect(checkRestartIntensity([0, 500], 1_000, 2, 1_000)).toEqual({
      allowed: false,
      history: [0, 500, 1_000],
    });
    expect(checkRestartIntensity([0, 500], 1_001, 2, 1_000)).toEqual({
      allowed: true,
      history: [500, 1_001],
    });
  });

  it("forgets a whole burst once the window has passed", () => {
    expect(checkRestartIntensity([0, 1, 2, 3], 10_000, 1, 5_000)).toEqual({
      allowed: true,
      history: [10_000],
    });
  });

  it("does not mutate the history it is given", () => {
    const history = [0, 1];
    checkRestartIntensity(history, 2, 5, 100);
    expect(history).toEqual([0, 1]);
  });
});
