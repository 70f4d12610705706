import { describe, expect, it } from "vitest";
import { PriceHold } from "../../../src/PriceHold.js";
import type { FromWorker } from "../../../src/protocol.js";

const META = { attempts: 1, cache: "miss" } as unknown as Extract<FromWorker, { type: "reply" }>["meta"];

function answer(id: number): FromWorker {
  return {
    type: "reply",
    id,
    reply: { text: `r${id}`, cached: false, usage: undefined, finishReason: "stop", model: "m" },
    meta: META,
  } as unknown as FromWorker;
}

function report(): FromWorker {
  return {
    type: "event",
    event: { kind: "limiter", snapshot: { source: "none", waiting: 0 } },
  } as FromWorker;
}

/** A promise and its resolver: the price lookup the test settles. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves after the event loop's check phase (where `setImmediate` callbacks run). */
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("PriceHold", () => {
  it("lets messages through while nothing is held", () => {
    const hold = new PriceHold(
      () => {},
      () => {},
    );
    expect(hold.queues(answer(1))).toBe(false);
  });

  it("holds an answer and all after it; releases them in order, reports in the answer's turn, one answer a turn", async () => {
    const delivered: FromWorker[] = [];
    let released = 0;
    const hold = new PriceHold(
      (m) => void delivered.push(m),
      () => void released++,
    );
    const price = deferred();
    const first = answer(1);
    const limiter = report();
    const second = answer(2);
    hold.hold(first, price.promise);
    expect(hold.queues(limiter)).toBe(true);
    expect(hold.queues(second)).toBe(true);
    expect(delivered).toEqual([]);

    price.resolve();
    await price.promise;
    await Promise.resolve();
    // The answer and the report that came with it go in one turn; the next answer waits a turn.
    expect(delivered).toEqual([first, limiter]);
    expect(released).toBe(1);
    expect(hold.queues(answer(3))).toBe(true); // still holding: the second answer is not out yet

    await nextTurn();
    expect(delivered.slice(0, 3)).toEqual([first, limiter, second]);
    expect(released).toBe(2);
  });

  it("a released answer that is held again keeps the rest behind the new wait", async () => {
    const delivered: FromWorker[] = [];
    const again = deferred();
    let holdAgain = true;
    const hold: PriceHold = new PriceHold(
      (m) => {
        if (holdAgain) {
          holdAgain = false;
          hold.hold(m, again.promise);
          return;
        }
        delivered.push(m);
      },
      () => {},
    );
    const first = deferred();
    const a = answer(1);
    const b = answer(2);
    hold.hold(a, first.promise);
    hold.queues(b);
    first.resolve();
    await first.promise;
    await Promise.resolve();
    expect(delivered).toEqual([]);
    again.resolve();
    await again.promise;
    await Promise.resolve();
    await nextTurn();
    expect(delivered).toEqual([a, b]);
  });
});
