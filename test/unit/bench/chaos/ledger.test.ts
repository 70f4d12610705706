import { describe, expect, it } from "vitest";
import { Ledger } from "../../../../bench/chaos/ledger.js";

const CODES = ["ERR_TIMEOUT", "ERR_SYSTEM_STOPPED"];

describe("the chaos ledger", () => {
  it("tells right answers from another request's answer", () => {
    const ledger = new Ledger(CODES);
    const a = ledger.open("call", "c0", "answer A", 0);
    const b = ledger.open("call", "c1", "answer B", 0);
    ledger.answered(a, "answer A");
    ledger.answered(b, "answer A");
    expect(ledger.totals()).toMatchObject({ calls: 2, settled: 2, ok: 1, wrong: 1 });
    expect(ledger.examples[0]).toContain("#1 call on c1: wrong");
  });

  it("counts typed errors by code, and errors without a dspex code apart", () => {
    const ledger = new Ledger(CODES);
    ledger.failed(ledger.open("call", "c0", "x", 0), { code: "ERR_TIMEOUT" });
    ledger.failed(ledger.open("call", "c0", "x", 0), new TypeError("boom"));
    ledger.failed(ledger.open("call", "c0", "x", 0), { code: "ERR_MADE_UP" });
    expect(ledger.totals()).toMatchObject({ errors: { ERR_TIMEOUT: 1 }, untyped: 2 });
  });

  it("checks what a stream read before it ended or was left", () => {
    const ledger = new Ledger(CODES);
    ledger.left(ledger.open("stream", "c0", "one two three", 0), "one ");
    ledger.left(ledger.open("stream", "c0", "one two three", 0), "two ");
    ledger.failed(ledger.open("stream", "c0", "one two three", 0), { code: "ERR_TIMEOUT" }, "one two");
    ledger.failed(ledger.open("stream", "c0", "one two three", 0), { code: "ERR_TIMEOUT" }, "three");
    expect(ledger.totals()).toMatchObject({ streams: 4, left: 1, wrong: 2, errors: { ERR_TIMEOUT: 1 } });
  });

  it("marks what is still pending as hung, then what stop() left as lost", () => {
    const ledger = new Ledger(CODES);
    const a = ledger.open("call", "c0", "x", 0);
    ledger.open("call", "c0", "y", 0);
    expect(ledger.markHung()).toBe(2);
    ledger.failed(a, { code: "ERR_SYSTEM_STOPPED" });
    expect(ledger.markLost()).toBe(1);
    expect(ledger.totals()).toMatchObject({ hung: 2, lost: 1, settled: 1 });
  });

  it("counts a request settled twice as wrong", () => {
    const ledger = new Ledger(CODES);
    const a = ledger.open("call", "c0", "x", 0);
    ledger.answered(a, "x");
    ledger.failed(a, { code: "ERR_TIMEOUT" });
    expect(ledger.totals()).toMatchObject({ ok: 0, wrong: 1 });
  });
});
