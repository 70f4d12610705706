/**
 * Builds a whole supervision tree from a resolved spec: supervisors for supervisor specs, and the
 * caller's factory for every leaf (real workers in the system, fakes in tests). The supervisor does
 * not know what a leaf is; the factory does.
 */
import type { ChildFactory } from "./Child.js";
import type { ResolvedNode, ResolvedSupervisorSpec } from "./ChildSpec.js";
import { Supervisor, type SupervisorDeps } from "./Supervisor.js";

/** What a tree needs: the supervisor deps, with a factory for leaves only. */
export interface SupervisorTreeDeps<N extends ResolvedNode> extends Omit<SupervisorDeps, "factory"> {
  /** Builds one leaf child (a client, or any other registered node type). */
  leaf: ChildFactory<N>;
}

/** The root supervisor of `spec`, every nested supervisor sharing the same deps. Nothing is started. */
export function buildSupervisorTree<N extends ResolvedNode>(
  spec: ResolvedSupervisorSpec<N>,
  deps: SupervisorTreeDeps<N>,
): Supervisor {
  const { leaf, ...rest } = deps;
  const shared: SupervisorDeps = {
    ...rest,
    factory: (child) =>
      child.type === "supervisor"
        ? new Supervisor(child as ResolvedSupervisorSpec, shared)
        : leaf(child as N),
  };
  return new Supervisor(spec, shared);
}
