import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../src/defaults.js";
import { isDspexError } from "../../../src/errors.js";
import { createSystem } from "../../../src/System.js";
import { resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { SystemSpec } from "../../../src/types.js";
import { client, fieldOf } from "./specHelpers.js";

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
        { name: "b", provider: "anthropic", model: "c", apiKey: "k" },
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

  it("refuses an unknown key anywhere, naming the key and the closest known one", () => {
    const message = (spec: unknown) => {
      try {
        resolveSystemSpec(spec as SystemSpec);
      } catch (error) {
        expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
        return (error as Error).message;
      }
      return "no error";
    };
    expect(message({ children: [client("a", { maxConcurency: 8 })] })).toBe(
      "children[0].maxConcurency: is not a known field (did you mean maxConcurrency?)",
    );
    expect(fieldOf({ children: [client("a", { retry: { maxRetry: 1 } })] })).toBe(
      "children[0].retry.maxRetry",
    );
    expect(message({ children: [client("a", { retry: { maxRetry: 1 } })] })).toContain(
      "did you mean maxRetries?",
    );
    expect(message({ children: [client("a", { stream: { idleTimeout: 1 } })] })).toContain(
      "did you mean idleTimeoutMs?",
    );
    expect(fieldOf({ children: [client("a", { breaker: { failure: 3 } })] })).toBe(
      "children[0].breaker.failure",
    );
    expect(fieldOf({ children: [client("a", { cache: { ttl: 3 } })] })).toBe("children[0].cache.ttl");
    expect(fieldOf({ children: [client("a", { cache: { store: { module: "m", option: {} } } })] })).toBe(
      "children[0].cache.store.option",
    );
    expect(fieldOf({ children: [client("a", { resourceLimits: { stackSize: 4 } })] })).toBe(
      "children[0].resourceLimits.stackSize",
    );
    expect(message({ strategies: "one_for_all", children: [] })).toBe(
      "spec.strategies: is not a known field (did you mean strategy?)",
    );
    expect(message({ children: [{ type: "supervisor", name: "s", maxRestart: 1, children: [] }] })).toContain(
      "children[0].maxRestart: is not a known field (did you mean maxRestarts?)",
    );
    // A store's own options are the store's business: their keys are not checked.
    expect(
      fieldOf({ children: [client("a", { cache: { store: { module: "m", options: { any: 1 } } } })] }),
    ).toBe(undefined);
  });

  it("refuses a spec that cannot be read as data, without a TypeError or RangeError", () => {
    const throwing = client("a");
    Object.defineProperty(throwing, "model", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(fieldOf({ children: [throwing] })).toBe("children[0]");
    const { proxy, revoke } = Proxy.revocable({ children: [] }, {});
    revoke();
    expect(fieldOf(proxy)).toBe("spec");
    const trap = new Proxy(client("b"), {
      ownKeys() {
        throw new TypeError("no keys");
      },
    });
    expect(fieldOf({ children: [trap] })).toBe("children[0]");
  });

  it("refuses a tree nested deeper than DEFAULTS.internal.maxSpecDepth (10,000 levels: no RangeError)", () => {
    const nest = (levels: number) => {
      let spec: object = client("leaf");
      for (let i = 0; i < levels; i++) spec = { type: "supervisor", name: `s${i}`, children: [spec] };
      return { children: [spec] };
    };
    expect(fieldOf(nest(10_000))).toMatch(/^children\[0\](\.children\[0\])*$/);
    expect(fieldOf(nest(DEFAULTS.internal.maxSpecDepth))).toBe(undefined);
    expect(fieldOf(nest(DEFAULTS.internal.maxSpecDepth + 1))).toBeDefined();
  });

  it("reaches createSystem's caller as a rejection, never a synchronous throw, and starts nothing", async () => {
    const { proxy, revoke } = Proxy.revocable({ children: [] }, {});
    revoke();
    let deep: object = client("leaf");
    for (let i = 0; i < 10_000; i++) deep = { type: "supervisor", name: `s${i}`, children: [deep] };
    for (const spec of [proxy, { children: [deep] }, { children: [client("a", { maxConcurency: 1 })] }]) {
      let started: Promise<unknown> | undefined;
      expect(() => {
        started = createSystem(spec as SystemSpec, { spawner: () => expect.unreachable() as never });
      }).not.toThrow();
      const error = await started?.catch((e: unknown) => e);
      expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    }
  });
});
