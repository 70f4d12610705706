import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { leavesOf, type NodeType, resolveTree, type TreeGrammar } from "../../../supervisor/ChildSpec.js";
import { type Fields, int } from "../../../supervisor/specFields.js";

/** A node type unknown to the supervisor, registered the way a router or pool type would be. */
interface EchoSpec {
  type: "echo";
  name: string;
  restart: "temporary";
  times: number;
}
const echo: NodeType<EchoSpec> = {
  fields: ["times"],
  resolve: (spec: Fields, name: string, path: string) => ({
    type: "echo",
    name,
    restart: "temporary",
    times: int(spec.times, 1, `${path}.times`, 1, 10),
  }),
};
const grammar: TreeGrammar<EchoSpec> = { nodeTypes: { echo }, defaultType: "echo" };

function failureOf(spec: unknown): { field?: string; message: string } | undefined {
  try {
    resolveTree(spec, grammar);
  } catch (error) {
    expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    return error as { field?: string; message: string };
  }
  return undefined;
}

describe("resolveTree with a registered node type", () => {
  it("resolves supervisors itself and leaves through their node type", () => {
    const tree = resolveTree(
      {
        children: [
          { name: "a", times: 3 },
          { type: "supervisor", name: "s", children: [{ name: "b" }] },
        ],
      },
      grammar,
    );
    expect(tree).toMatchObject({ type: "supervisor", name: "root", strategy: "one_for_one" });
    expect(leavesOf(tree)).toEqual([
      { type: "echo", name: "a", restart: "temporary", times: 3 },
      { type: "echo", name: "b", restart: "temporary", times: 1 },
    ]);
  });

  it("names the node type's bad field, an unknown type, and unknown keys with the closest known one", () => {
    expect(failureOf({ children: [{ name: "a", times: 11 }] })?.field).toBe("children[0].times");
    expect(failureOf({ children: [{ type: "router", name: "r" }] })?.message).toBe(
      'children[0].type: must be one of "supervisor", "echo", got "router"',
    );
    expect(failureOf({ children: [{ type: "toString", name: "r" }] })?.field).toBe("children[0].type");
    expect(failureOf({ children: [{ name: "a", time: 2 }] })?.message).toBe(
      "children[0].time: is not a known field (did you mean times?)",
    );
  });

  it("keeps names unique across node types and supervisors", () => {
    expect(
      failureOf({ children: [{ name: "x" }, { type: "supervisor", name: "x", children: [] }] })?.field,
    ).toBe("children[1].name");
  });
});
