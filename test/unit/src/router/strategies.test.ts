import { describe, expect, it } from "vitest";
import { orderMembers, type RankedMember, RouteCursor } from "../../../../src/router/strategies.js";

const member = (name: string, inFlight = 0, latency?: number, headroom = 1): RankedMember => ({
  name,
  inFlight: () => inFlight,
  latencyMs: () => latency,
  headroom: () => headroom,
});
const names = (members: RankedMember[]) => members.map((m) => m.name);

describe("orderMembers", () => {
  const abc = [member("a", 3, 50, 0.2), member("b", 1, 10, 0.9), member("c", 1, undefined, 0.5)];

  it("fallback keeps the spec's order; round_robin rotates", () => {
    const cursor = new RouteCursor([1, 1, 1]);
    expect(names(orderMembers("fallback", abc, cursor))).toEqual(["a", "b", "c"]);
    expect(names(orderMembers("round_robin", abc, cursor))).toEqual(["a", "b", "c"]);
    expect(names(orderMembers("round_robin", abc, cursor))).toEqual(["b", "c", "a"]);
    expect(names(orderMembers("round_robin", abc, cursor))).toEqual(["c", "a", "b"]);
  });

  it("weighted picks in proportion to the weights, spread out (smooth weighted round robin)", () => {
    const cursor = new RouteCursor([5, 1, 1]);
    const firsts = Array.from({ length: 7 }, () => orderMembers("weighted", abc, cursor)[0]?.name);
    expect(firsts).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
  });

  it("least_busy, lowest_latency (unmeasured first) and most_headroom rank every member, ties in spec order", () => {
    const cursor = new RouteCursor([1, 1, 1]);
    expect(names(orderMembers("least_busy", abc, cursor))).toEqual(["b", "c", "a"]);
    expect(names(orderMembers("lowest_latency", abc, cursor))).toEqual(["c", "b", "a"]);
    expect(names(orderMembers("most_headroom", abc, cursor))).toEqual(["b", "c", "a"]);
  });
});
