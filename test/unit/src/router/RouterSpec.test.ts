import { describe, expect, it } from "vitest";
import { resolveSystemSpec } from "../../../../src/SystemSpec.js";
import type { ChildSpec } from "../../../../src/types.js";

const client = (name: string): ChildSpec => ({
  name,
  provider: "openai",
  model: "m",
  baseURL: "http://127.0.0.1:9/v1",
});
const tree = (...children: ChildSpec[]) => resolveSystemSpec({ children });

describe("router specs", () => {
  it("resolves a router beside its members with defaults", () => {
    const spec = tree(client("a"), client("b"), { type: "router", name: "chat", members: ["a", "b"] });
    expect(spec.children[2]).toEqual({
      type: "router",
      name: "chat",
      restart: "permanent",
      strategy: "fallback",
      members: ["a", "b"],
      weights: [1, 1],
      contextFallbacks: [],
      budget: undefined,
    });
  });

  it("refuses unknown members, cycles, bad weights and strategies, naming the field", () => {
    expect(() => tree(client("a"), { type: "router", name: "r", members: ["a", "z"] })).toThrow(
      /members\[1\]/,
    );
    expect(() =>
      tree(
        client("a"),
        { type: "router", name: "r1", members: ["r2"] },
        { type: "router", name: "r2", members: ["r1"] },
      ),
    ).toThrow(/reach themselves/);
    expect(() => tree(client("a"), { type: "router", name: "r", members: ["a"], weights: [1, 2] })).toThrow(
      /weights/,
    );
    expect(() =>
      tree(client("a"), { type: "router", name: "r", members: ["a"], strategy: "random" as never }),
    ).toThrow(/strategy/);
    expect(() => tree(client("a"), { type: "router", name: "r", members: [] })).toThrow(/members/);
    expect(() =>
      tree(client("a"), { type: "router", name: "r", members: ["a"], budget: { usd: 1 } as never }),
    ).toThrow(/budget\.perMs/);
  });
});
