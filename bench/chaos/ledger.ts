/**
 * The chaos run's books: one entry per request, with the answer that request must get (derived from
 * the request alone, see `expectedAnswer`), and how it settled. A reply that differs from its own
 * request's answer is `wrong` (it belongs to another request, or to none); an error whose code is not
 * one of dspex's is `untyped`. What never settled is `hung` (past its deadline while the system ran)
 * or `lost` (still unsettled after `stop()`, which must settle everything).
 */

/** How one request ended, as the ledger classifies it. */
export type Outcome =
  | { kind: "pending" }
  | { kind: "ok" }
  /** A stream the consumer left early: what it read is a prefix of the answer. */
  | { kind: "left" }
  | { kind: "error"; code: string }
  | { kind: "wrong"; got: string }
  | { kind: "untyped"; error: string };

/** One request of the run. */
export interface Entry {
  readonly id: number;
  readonly kind: "call" | "stream";
  readonly client: string;
  readonly expected: string;
  readonly issuedAt: number;
  outcome: Outcome;
}

/** The totals the run prints. */
export interface Totals {
  calls: number;
  streams: number;
  settled: number;
  ok: number;
  left: number;
  errors: Record<string, number>;
  hung: number;
  lost: number;
  wrong: number;
  untyped: number;
}

/** The books; see the module comment. */
export class Ledger {
  readonly #entries: Entry[] = [];
  readonly #codes: ReadonlySet<string>;
  #hung = 0;
  #lost = 0;
  /** A few examples of wrong or untyped outcomes, for the report. */
  readonly examples: string[] = [];

  /** `codes`: every error code dspex may reject with. */
  constructor(codes: readonly string[]) {
    this.#codes = new Set(codes);
  }

  /** Opens an entry. */
  open(kind: Entry["kind"], client: string, expected: string, issuedAt: number): Entry {
    const entry: Entry = {
      id: this.#entries.length,
      kind,
      client,
      expected,
      issuedAt,
      outcome: { kind: "pending" },
    };
    this.#entries.push(entry);
    return entry;
  }

  /** A call answered `text`, or a stream whose chunks joined to `text` ended. */
  answered(entry: Entry, text: string): void {
    this.#settle(entry, text === entry.expected ? { kind: "ok" } : { kind: "wrong", got: text });
  }

  /** A stream the consumer left after reading `text`. */
  left(entry: Entry, text: string): void {
    this.#settle(entry, entry.expected.startsWith(text) ? { kind: "left" } : { kind: "wrong", got: text });
  }

  /** A call or stream rejected with `error`; `partial` is what a stream had read before. */
  failed(entry: Entry, error: unknown, partial = ""): void {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== "string" || !this.#codes.has(code)) {
      this.#settle(entry, { kind: "untyped", error: String((error as Error)?.stack ?? error).slice(0, 300) });
    } else if (!entry.expected.startsWith(partial)) {
      this.#settle(entry, { kind: "wrong", got: partial });
    } else {
      this.#settle(entry, { kind: "error", code });
    }
  }

  /** Entries not settled yet. */
  pending(): Entry[] {
    return this.#entries.filter((e) => e.outcome.kind === "pending");
  }

  /** Marks what is still pending now as hung (call this when every deadline has passed). */
  markHung(): number {
    this.#hung = this.pending().length;
    return this.#hung;
  }

  /** Marks what is still pending now as lost (call this after `stop()` resolved). */
  markLost(): number {
    this.#lost = this.pending().length;
    return this.#lost;
  }

  totals(): Totals {
    const t: Totals = {
      calls: 0,
      streams: 0,
      settled: 0,
      ok: 0,
      left: 0,
      errors: {},
      hung: this.#hung,
      lost: this.#lost,
      wrong: 0,
      untyped: 0,
    };
    for (const e of this.#entries) {
      if (e.kind === "call") t.calls++;
      else t.streams++;
      const o = e.outcome;
      if (o.kind !== "pending") t.settled++;
      if (o.kind === "ok") t.ok++;
      else if (o.kind === "left") t.left++;
      else if (o.kind === "error") t.errors[o.code] = (t.errors[o.code] ?? 0) + 1;
      else if (o.kind === "wrong") t.wrong++;
      else if (o.kind === "untyped") t.untyped++;
    }
    return t;
  }

  #settle(entry: Entry, outcome: Outcome): void {
    if (entry.outcome.kind !== "pending") {
      // Settling twice would be a bug of the run itself, or a promise settling twice: count it wrong.
      entry.outcome = { kind: "wrong", got: `settled twice (${entry.outcome.kind}, then ${outcome.kind})` };
    } else {
      entry.outcome = outcome;
    }
    if ((outcome.kind === "wrong" || outcome.kind === "untyped") && this.examples.length < 5) {
      const detail = outcome.kind === "wrong" ? JSON.stringify(outcome.got).slice(0, 120) : outcome.error;
      this.examples.push(`#${entry.id} ${entry.kind} on ${entry.client}: ${outcome.kind}: ${detail}`);
    }
  }
}
