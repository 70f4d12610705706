/**
 * The states of the rate gate's door (workers/traffic/RateGate.ts): which attempts may go, apart from
 * what the buckets allow.
 */

/**
 * Nothing known yet (the next attempt is the scout), the scout out (the others wait until its answer
 * or `until`), open, closed until a time after a 429, or letting one probe through.
 */
export type GateState =
  | { kind: "unknown" }
  | { kind: "scouting"; until: number }
  | { kind: "open" }
  | { kind: "cooling"; until: number }
  | { kind: "probing" };

/**
 * The one `open` state: the gate compares against it by identity on every admission (cheaper than
 * reading `kind`), so no other `{ kind: "open" }` may be made.
 */
export const OPEN: GateState = Object.freeze({ kind: "open" }) as GateState;
