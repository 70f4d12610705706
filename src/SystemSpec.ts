/**
 * The system's tree grammar: which node types a dspex tree may hold (today `client`; a `router`,
 * `actor` or `pool` type is added here, beside it, with its own spec module) and the entry point that
 * validates a user's {@link SystemSpec}. The supervisor's half of the spec (names, strategies,
 * intensity, nesting) is generic and lives in supervisor/ChildSpec.ts.
 */
import {
  type ResolvedChildSpec as GenericChildSpec,
  leavesOf,
  type ResolvedSupervisorSpec,
  resolveTree,
  type TreeGrammar,
} from "../supervisor/ChildSpec.js";
import { clientNode, type ResolvedClientSpec } from "./ClientSpec.js";
import type { SystemSpec } from "./types.js";

/** Every leaf type of a dspex tree, resolved. Add a node type's resolved spec to this union. */
export type ResolvedLeafSpec = ResolvedClientSpec;

/** A resolved dspex tree (its root supervisor). */
export type ResolvedSystemSpec = ResolvedSupervisorSpec<ResolvedLeafSpec>;

/** A resolved child of a dspex tree: a leaf or a nested supervisor. */
export type ResolvedChildSpec = GenericChildSpec<ResolvedLeafSpec>;

/** The node types of a dspex tree; a child without `type` is a client. */
export const SYSTEM_GRAMMAR: TreeGrammar<ResolvedLeafSpec> = {
  nodeTypes: { client: clientNode },
  defaultType: "client",
};

/**
 * Validates and defaults a whole tree; throws `ERR_INVALID_ARGUMENT` naming the first bad field (an
 * unknown key names the closest known one). Nothing is started.
 */
export function resolveSystemSpec(spec: SystemSpec): ResolvedSystemSpec {
  return resolveTree(spec, SYSTEM_GRAMMAR);
}

/** All client specs of a resolved tree, depth first in start order. */
export function clientsOf(spec: ResolvedSystemSpec): ResolvedClientSpec[] {
  return leavesOf(spec).filter((leaf): leaf is ResolvedClientSpec => leaf.type === "client");
}
export type { ResolvedClientSpec } from "./ClientSpec.js";
