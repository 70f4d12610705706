import { describe, expect, it } from "vitest";
import type { PriceSource } from "../../../../src/traffic/CatalogThread.js";
import type { PriceEntry, PriceQuery } from "../../../../src/traffic/catalogMessages.js";
import { PriceBook } from "../../../../src/traffic/PriceBook.js";

const GPT: PriceEntry = { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: undefined };
const TIERED: PriceEntry = {
  input: { base: 1.25, tiers: [{ start: 200_000, price: 2.5 }] },
  output: 10,
  cacheRead: undefined,
  cacheWrite: undefined,
};

/** A source answering from a table, that counts what it was asked and answers when told to. */
class TableSource implements PriceSource {
  readonly asked: PriceQuery[][] = [];
  readonly #answers: (() => void)[] = [];
  constructor(private readonly table: Record<string, PriceEntry>) {}
  lookup(queries: PriceQuery[]): Promise<(PriceEntry | null)[]> {
    this.asked.push(queries);
    return new Promise((resolve) => {
      this.#answers.push(() => resolve(queries.map((q) => this.table[q.model] ?? null)));
    });
  }
  answer(): void {
    for (const answer of this.#answers.splice(0)) answer();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe("PriceBook", () => {
  it("prices the preloaded models once ready, and says unknown for what the catalog does not know", async () => {
    const source = new TableSource({ "gpt-4o-mini": GPT });
    const book = new PriceBook(source, [
      { provider: "openai", model: "gpt-4o-mini" },
      { provider: "openai", model: "no-such-model" },
    ]);
    expect(book.priceOf("openai", "gpt-4o-mini")).toBeUndefined(); // not answered yet
    source.answer();
    await book.ready;
    expect(book.priceOf("openai", "gpt-4o-mini")).toEqual({
      inputPerMTok: 0.15,
      outputPerMTok: 0.6,
      cachedInputPerMTok: 0.075,
    });
    expect(book.priceOf("openai", "no-such-model")).toBeUndefined();
    expect(source.asked).toHaveLength(1); // a known-unknown is not asked again
  });

  it("asks once for a model first seen in an answer, and prices it once answered", async () => {
    const source = new TableSource({ "gpt-4o-mini-2024-07-18": GPT });
    const book = new PriceBook(source);
    await book.ready;
    expect(book.priceOf("openai", "gpt-4o-mini-2024-07-18")).toBeUndefined();
    expect(book.priceOf("openai", "gpt-4o-mini-2024-07-18")).toBeUndefined();
    expect(source.asked).toEqual([[{ provider: "openai", model: "gpt-4o-mini-2024-07-18" }]]);
    source.answer();
    await new Promise<void>((resolve) => setImmediate(resolve)); // the lookup's continuation
    expect(book.priceOf("openai", "gpt-4o-mini-2024-07-18")?.inputPerMTok).toBe(0.15);
  });

  it("picks a tiered price's tier by prompt size", async () => {
    const source = new TableSource({ "gemini-2.5-pro": TIERED });
    const book = new PriceBook(source, [{ provider: "gemini", model: "gemini-2.5-pro" }]);
    source.answer();
    await book.ready;
    expect(book.priceOf("gemini", "gemini-2.5-pro", 1_000)?.inputPerMTok).toBe(1.25);
    expect(book.priceOf("gemini", "gemini-2.5-pro", 250_000)?.inputPerMTok).toBe(2.5);
  });

  it("without a source knows nothing and asks nothing", async () => {
    const book = new PriceBook(undefined, [{ provider: "openai", model: "gpt-4o-mini" }]);
    await book.ready;
    expect(book.priceOf("openai", "gpt-4o-mini")).toBeUndefined();
  });
});
