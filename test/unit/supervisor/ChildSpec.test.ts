import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import type { SystemSpec } from "../../../src/types.js";
import { DEFAULTS, resolveSystemSpec } from "../../../supervisor/ChildSpec.js";

const client = (name: string, extra: object = {}) => ({
  name,
  provider: "openai" as const,
  model: "m",
  ...extra,
});

function fieldOf(spec: unknown): string | undefined {
  try {
    resolveSystemSpec(spec as SystemSpec);
  } catch (error) {
    expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    return (error as { field?: string }).field;
  }
  return undefined;
}

describe("resolveSystemSpec", () => {
  it("fills every default from one place", () => {
    const tree = resolveSystemSpec({
      children: [client("a"), { type: "supervisor", name: "s", children: [client("b")] }],
    });
    expect(tree).toMatchObject({ name: "root", strategy: "one_for_one", maxRestarts: 3, withinMs: 5000 });
    const a = tree.children[0];
    expect(a).toMatchObject({
      type: "client",
      baseURL: DEFAULTS.baseURL.openai,
      restart: "permanent",
      maxConcurrency: DEFAULTS.client.maxConcurrency,
      cache: DEFAULTS.cache,
      retry: DEFAULTS.retry,
    });
    expect(tree.children[1]).toMatchObject({ type: "supervisor", name: "s", strategy: "one_for_one" });
  });

  it("strips a trailing slash from baseURL and keeps anthropic's default", () => {
    const tree = resolveSystemSpec({
      children: [
        client("a", { baseURL: "http://127.0.0.1:9/v1/" }),
        { name: "b", provider: "anthropic", model: "c" },
      ],
    });
    expect(tree.children.map((c) => (c.type === "client" ? c.baseURL : ""))).toEqual([
      "http://127.0.0.1:9/v1",
      "https://api.anthropic.com/v1",
    ]);
  });

  it("names the bad field", () => {
    expect(fieldOf(null)).toBe("spec");
    expect(fieldOf({ children: "x" })).toBe("spec.children");
    expect(fieldOf({ strategy: "all_for_one", children: [] })).toBe("spec.strategy");
    expect(fieldOf({ maxRestarts: -1, children: [] })).toBe("spec.maxRestarts");
    expect(fieldOf({ children: [client("a"), client("a")] })).toBe("children[1].name");
    expect(fieldOf({ children: [{ name: "a", provider: "mistral", model: "m" }] })).toBe(
      "children[0].provider",
    );
    expect(fieldOf({ children: [{ name: "a", provider: "openai" }] })).toBe("children[0].model");
    expect(fieldOf({ children: [client("a", { restart: "sometimes" })] })).toBe("children[0].restart");
    expect(fieldOf({ children: [client("a", { baseURL: "ftp://x" })] })).toBe("children[0].baseURL");
    expect(fieldOf({ children: [client("a", { maxConcurrency: 0 })] })).toBe("children[0].maxConcurrency");
    expect(fieldOf({ children: [client("a", { cache: { maxEntries: "lots" } })] })).toBe(
      "children[0].cache.maxEntries",
    );
    expect(fieldOf({ children: [client("a", { breaker: { kind: "fuse" } })] })).toBe(
      "children[0].breaker.kind",
    );
    expect(
      fieldOf({ children: [{ type: "supervisor", name: "s", children: [client("x"), client("x")] }] }),
    ).toBe("children[0].children[1].name");
    expect(fieldOf({ children: [{ type: "worker", name: "w" }] })).toBe("children[0].type");
  });

  it("never echoes an API key in a validation error", () => {
    const secret = "sk-test-SECRET-123456";
    try {
      resolveSystemSpec({ children: [client("a", { apiKey: secret, maxQueue: -5 })] } as SystemSpec);
      throw new Error("expected a validation error");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret);
    }
  });
});
