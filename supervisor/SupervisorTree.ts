/**
 * Builds a whole supervision tree from a resolved spec: supervisors for supervisor specs, and the
 * caller's factory (real workers in the system, fakes in tests) for client specs.
 */
import type { ChildFactory } from "./Child.js";
import type { ResolvedClientSpec, ResolvedSupervisorSpec } from "./ChildSpec.js";
import { Supervisor, type SupervisorDeps } from "./Supervisor.js";

/** What a tree needs: the supervisor deps, with a factory for clients only. */
export interface SupervisorTreeDeps extends Omit<SupervisorDeps, "factory"> {
  /** Builds one client child. */
  client: ChildFactory<ResolvedClientSpec>;
}

/** The root supervisor of `spec`, every nested supervisor sharing the same deps. Nothing is started. */
export function buildSupervisorTree(spec: ResolvedSupervisorSpec, deps: SupervisorTreeDeps): Supervisor {
  const { client, ...rest } = deps;
  const shared: SupervisorDeps = {
    ...rest,
    factory: (child) => (child.type === "supervisor" ? new Supervisor(child, shared) : client(child)),
  };
  return new Supervisor(spec, shared);
}
