import { describe, expect, it } from "vitest";
import { RESTART_BACKOFF_MAX_MS, restartBackoffMs } from "../../../supervisor/RestartBackoff.js";

describe("restartBackoffMs", () => {
  it("does not delay the first restart, then doubles from 10 ms up to 500 ms", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(restartBackoffMs)).toEqual([
      0, 10, 20, 40, 80, 160, 320, 500, 500,
    ]);
  });

  it("stays capped however long the history", () => {
    expect(restartBackoffMs(10_000)).toBe(RESTART_BACKOFF_MAX_MS);
    expect(RESTART_BACKOFF_MAX_MS).toBe(500);
  });
});
