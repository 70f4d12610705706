/**
 * OTP's start order with concurrent boots: every child's slow part (a thread loading its modules) is
 * begun at once, then the children are started one at a time in order, each awaited, so they become
 * ready in order and a failure is seen at the child that failed. The children after a failure are
 * never started, and their boots are released. Rolling back what did start is the caller's (a start
 * stops it in reverse order; a restart leaves it to the next attempt's plan).
 */
import type { ChildSlot } from "./ChildSlot.js";

/** How an ordered start ended. */
export type OrderedStart =
  /** Every child started, in order. */
  | { kind: "started" }
  /** `slot` could not start (`error`); `started` did, in start order; the rest were not started. */
  | { kind: "failed"; slot: ChildSlot; error: unknown; started: ChildSlot[] }
  /** A stop arrived (`current()` turned false): whoever stops finishes the job. */
  | { kind: "stale" };

/**
 * Boots `slots`, then starts them in order (see the module comment). `current()` is asked after each
 * start; `onStarted` is told of each child that started.
 */
export async function startInOrder(
  slots: readonly ChildSlot[],
  current: () => boolean,
  onStarted: (slot: ChildSlot) => void = () => {},
): Promise<OrderedStart> {
  for (const slot of slots) slot.boot();
  const started: ChildSlot[] = [];
  for (const [i, slot] of slots.entries()) {
    const result = await slot.start();
    if (!current()) {
      release(slots.slice(i + 1));
      return { kind: "stale" };
    }
    if (!result.ok) {
      release(slots.slice(i + 1));
      return { kind: "failed", slot, error: result.error, started };
    }
    started.push(slot);
    onStarted(slot);
  }
  return { kind: "started" };
}

/** Releases the boots of children that will not be started now. */
export function release(slots: readonly ChildSlot[]): void {
  for (const slot of slots) slot.unboot();
}
