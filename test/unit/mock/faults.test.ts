import { describe, expect, it } from "vitest";
import { FaultBook } from "../../../mock/faults.js";
import { RequestLog } from "../../../mock/requestLog.js";
import { StatsBoard } from "../../../mock/stats.js";
import type { MockRequestLog } from "../../../mock/types.js";

const PATH = "/v1/chat/completions";

describe("FaultBook", () => {
  it("uses a fault `times` times, then stops", () => {
    const book = new FaultBook();
    book.add({ kind: "drop" }, { times: 2 });
    expect(book.take(PATH, "m", false)).toEqual({ kind: "drop" });
    expect(book.take(PATH, "m", false)).toEqual({ kind: "drop" });
    expect(book.take(PATH, "m", false)).toBeUndefined();
  });

  it("keeps a fault without `times` until cleared", () => {
    const book = new FaultBook();
    book.add({ kind: "stall" });
    for (let i = 0; i < 100; i++) expect(book.take(PATH, undefined, false)?.kind).toBe("stall");
    book.clear();
    expect(book.take(PATH, undefined, false)).toBeUndefined();
  });

  it("matches on model and on path suffix, first script first", () => {
    const book = new FaultBook();
    book.add({ kind: "status", status: 500 }, { model: "a" });
    book.add({ kind: "status", status: 529 }, { path: "/messages" });
    book.add({ kind: "status", status: 503 });
    expect(book.take(PATH, "a", false)).toMatchObject({ status: 500 });
    expect(book.take("/v1/messages", "b", false)).toMatchObject({ status: 529 });
    expect(book.take(PATH, "b", false)).toMatchObject({ status: 503 });
  });

  it("saves stream faults for streaming requests", () => {
    const book = new FaultBook();
    book.add({ kind: "stream_drop", afterChunks: 1 }, { times: 1 });
    expect(book.take(PATH, "m", false)).toBeUndefined();
    expect(book.take(PATH, "m", true)).toEqual({ kind: "stream_drop", afterChunks: 1 });
  });

  it("ignores times <= 0", () => {
    const book = new FaultBook();
    book.add({ kind: "drop" }, { times: 0 });
    expect(book.take(PATH, "m", false)).toBeUndefined();
  });
});

describe("RequestLog", () => {
  const entry = (n: number): MockRequestLog => ({
    path: `/${n}`,
    method: "POST",
    headers: {},
    body: undefined,
    provider: "unknown",
    model: undefined,
    stream: false,
    at: n,
  });

  it("keeps the last `limit` entries, oldest first", () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 7; i++) log.push(entry(i));
    expect(log.list().map((e) => e.at)).toEqual([5, 6, 7]);
    log.clear();
    expect(log.list()).toEqual([]);
  });

  it("keeps nothing with limit 0", () => {
    const log = new RequestLog(0);
    log.push(entry(1));
    expect(log.enabled).toBe(false);
    expect(log.list()).toEqual([]);
  });
});

describe("StatsBoard", () => {
  it("resolves a waiter when a change makes its predicate true, and reset keeps inFlight", async () => {
    const board = new StatsBoard();
    const waiting = board.waitFor((s) => s.completed === 2, 1_000);
    board.stats.completed = 1;
    board.changed();
    board.stats.completed = 2;
    board.stats.inFlight = 4;
    board.changed();
    await waiting;
    board.reset();
    expect(board.stats).toMatchObject({ completed: 0, inFlight: 4, maxInFlight: 4 });
  });

  it("rejects a waiter whose predicate throws, and abandons waiters on close", async () => {
    const board = new StatsBoard();
    const broken = board.waitFor((s) => {
      if (s.requests > 0) throw new Error("boom");
      return false;
    }, 1_000);
    const abandoned = board.waitFor(() => false, 1_000);
    board.stats.requests = 1;
    board.changed();
    await expect(broken).rejects.toThrow("boom");
    board.abandon();
    await expect(abandoned).rejects.toThrow(/closed/);
  });
});
