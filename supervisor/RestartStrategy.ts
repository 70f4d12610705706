/**
 * OTP restart strategies as a pure plan: which siblings go down with a dead child and come back.
 *
 * - `one_for_one`: only the dead child.
 * - `one_for_all`: every child.
 * - `rest_for_one`: the dead child and every child started after it.
 */
import type { Strategy } from "../src/types.js";

/** What a supervisor does for one dead child. */
export interface RestartPlan<T> {
  /** Children to stop, in reverse start order (the dead child included: stopping it is a no-op). */
  stop: T[];
  /** Children to start again, in start order. */
  start: T[];
}

/** The plan for `strategy` when `children[dead]` died; `children` is in start order. */
export function restartPlan<T>(strategy: Strategy, children: readonly T[], dead: number): RestartPlan<T> {
  if (!Number.isInteger(dead) || dead < 0 || dead >= children.length) {
    throw new RangeError(`dead child index ${dead} is outside 0..${children.length - 1}`);
  }
  const affected = affectedSlice(strategy, children, dead);
  return { stop: [...affected].reverse(), start: affected };
}

function affectedSlice<T>(strategy: Strategy, children: readonly T[], dead: number): T[] {
  switch (strategy) {
    case "one_for_one":
      return children.slice(dead, dead + 1);
    case "one_for_all":
      return children.slice();
    case "rest_for_one":
      return children.slice(dead);
  }
}
