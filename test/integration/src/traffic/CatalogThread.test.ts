import { describe, expect, it } from "vitest";
import { CatalogThread } from "../../../../src/traffic/CatalogThread.js";

describe("CatalogThread (a real thread with the real catalog)", () => {
  it("answers prices from @pydantic/genai-prices, null for an unknown model", async () => {
    const catalog = new CatalogThread();
    try {
      const [mini, unknown] = await catalog.lookup([
        { provider: "openai", model: "gpt-4o-mini" },
        { provider: "openai", model: "surely-not-a-model-7f3a" },
      ]);
      expect(typeof mini?.input).toBe("number");
      expect(typeof mini?.output).toBe("number");
      expect(unknown).toBeNull();
    } finally {
      await catalog.close();
    }
  });

  it("ends its thread when idle and starts another for the next lookup", async () => {
    const catalog = new CatalogThread({ idleMs: 20 });
    try {
      const retired = new Promise<void>((resolve) => {
        catalog.onRetire = resolve;
      });
      await catalog.lookup([{ provider: "anthropic", model: "claude-sonnet-4-5" }]);
      expect(catalog.running).toBe(true);
      await retired;
      expect(catalog.running).toBe(false);
      const [again] = await catalog.lookup([{ provider: "anthropic", model: "claude-sonnet-4-5" }]);
      expect(again?.input).toEqual({ base: 3, tiers: [{ start: 200_000, price: 6 }] });
    } finally {
      await catalog.close();
    }
  });

  it("close() answers pending lookups as unknown and ends the thread", async () => {
    const catalog = new CatalogThread();
    const pending = catalog.lookup([{ provider: "openai", model: "gpt-4o" }]);
    await catalog.close();
    expect(await pending).toEqual([null]);
    expect(catalog.running).toBe(false);
  });
});
