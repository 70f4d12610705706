/**
 * OTP restart intensity: a supervisor may restart at most `maxRestarts` times within any `withinMs`
 * window; one more and it gives up (stops its children and fails, escalating to its parent).
 *
 * Pure, so it is tested with plain numbers instead of clocks.
 */

/** The verdict on one restart attempt, and the history to keep for the next one. */
export interface IntensityCheck {
  /** True while the restarts in the window, this one included, are at most `maxRestarts`. */
  allowed: boolean;
  /** Timestamps still inside the window, this attempt included, oldest first. */
  history: number[];
}

/**
 * Records a restart attempt at `now` and says whether it is allowed.
 *
 * A timestamp stays in the window while `now - t <= withinMs` (OTP keeps the edge inclusive).
 * `maxRestarts = 3` allows three restarts in the window and refuses the fourth; `maxRestarts = 0`
 * refuses the first. Failed restart attempts are recorded like successful ones by the caller.
 */
export function checkRestartIntensity(
  history: readonly number[],
  now: number,
  maxRestarts: number,
  withinMs: number,
): IntensityCheck {
  const kept = history.filter((t) => now - t <= withinMs);
  kept.push(now);
  return { allowed: kept.length <= maxRestarts, history: kept };
}
