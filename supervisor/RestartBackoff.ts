/**
 * A small backoff between restart attempts. OTP restarts at once; a worker that crashes at start
 * would then spin a core until the intensity limit trips, so later attempts wait a little.
 */
import { DEFAULTS } from "../src/defaults.js";

/** Delay before the second restart in a window, in ms; it doubles from there. */
export const RESTART_BACKOFF_BASE_MS = DEFAULTS.internal.restartBackoffBaseMs;
/** The longest delay between restart attempts, in ms. */
export const RESTART_BACKOFF_MAX_MS = DEFAULTS.internal.restartBackoffMaxMs;

/**
 * The delay before a restart attempt, given how many restarts the window already holds (this one
 * not counted): 0 for the first (a lone crash is restarted at once), then 10, 20, 40 ... up to 500 ms.
 */
export function restartBackoffMs(previousRestarts: number): number {
  if (previousRestarts <= 0) return 0;
  // Capping the exponent first keeps 2 ** n finite however long the history.
  const exponent = Math.min(previousRestarts - 1, 16);
  return Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_BASE_MS * 2 ** exponent);
}
