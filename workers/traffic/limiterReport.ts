/**
 * How the main side learns a client's rate limiter (for `inspect()` and the routers' `most_headroom`
 * and cooldown checks): not on every answer, but once per batch the worker posts, as the last message
 * of the batch (a trailer of the worker's `Outbox`), and only when the gate changed since the last
 * report. A snapshot on every reply cost about 3 µs of structured clone on each side of the boundary
 * per call (bench/micro/postMessage.ts); under load one batch carries many replies, so the report is
 * paid once per batch. The caller of the last reply of a batch already sees the limiter as of that
 * batch: the trailer is read before the awaiting code resumes.
 */
import type { FromWorker } from "../../src/protocol.js";
import type { RateGate } from "./RateGate.js";

/** The outbox trailer that reports `gate`; see the module comment. */
export function limiterReport(
  gate: Pick<RateGate, "limited" | "changes" | "snapshot">,
): () => FromWorker | undefined {
  let reported = -1;
  return () => {
    if (!gate.limited || gate.changes === reported) return undefined;
    reported = gate.changes;
    return { type: "event", event: { kind: "limiter", snapshot: gate.snapshot() } };
  };
}
