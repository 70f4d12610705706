/**
 * Router specs: validated with the rest of the tree (before any thread starts), with the checks that
 * need the whole tree done last: every member names a client or a router somewhere in it, and no
 * router reaches itself through its members.
 */
import type { NodeType } from "../../supervisor/ChildSpec.js";
import type { Fields } from "../../supervisor/specFields.js";
import { invalidArgument } from "../errors.js";
import { resolveBudget } from "../traffic/trafficSpec.js";
import type { RestartType, RouterSpec, RouterStrategy } from "../types.js";

/** A router spec with every default filled in. */
export interface ResolvedRouterSpec {
  type: "router";
  name: string;
  /** A router holds no thread and never exits on its own: always `permanent`. */
  restart: RestartType;
  strategy: RouterStrategy;
  members: string[];
  /** One per member (all 1 unless `weighted` says otherwise). */
  weights: number[];
  contextFallbacks: string[];
  budget: ReturnType<typeof resolveBudget>;
}

/** The routing strategies, in the order docs/routing.md describes them. */
export const ROUTER_STRATEGIES: readonly RouterStrategy[] = [
  "fallback",
  "round_robin",
  "weighted",
  "least_busy",
  "lowest_latency",
  "most_headroom",
];

/** Every field a router spec accepts besides `type` and `name`. */
const ROUTER_FIELDS: readonly (keyof RouterSpec)[] = [
  "strategy",
  "members",
  "weights",
  "contextFallbacks",
  "budget",
];

/** The `router` node type of the tree (its members are checked against the whole tree by {@link checkRouters}). */
export const routerNode: NodeType<ResolvedRouterSpec> = {
  fields: ROUTER_FIELDS,
  resolve: (spec, name, path) => resolveRouter(spec as Fields & Partial<RouterSpec>, path, name),
};

/** Validates one router spec; `name` has been checked (and registered) by the tree. */
export function resolveRouter(spec: Partial<RouterSpec>, path: string, name: string): ResolvedRouterSpec {
  const strategy = spec.strategy ?? "fallback";
  if (!ROUTER_STRATEGIES.includes(strategy)) {
    throw invalidArgument(
      `${path}.strategy`,
      `must be one of ${ROUTER_STRATEGIES.map((s) => `"${s}"`).join(", ")}, got ${JSON.stringify(String(strategy))}`,
    );
  }
  const members = names(spec.members, `${path}.members`, true);
  if (new Set(members).size !== members.length)
    throw invalidArgument(`${path}.members`, "names a member twice");
  let weights = members.map(() => 1);
  if (spec.weights !== undefined) {
    if (!Array.isArray(spec.weights) || spec.weights.length !== members.length) {
      throw invalidArgument(`${path}.weights`, "must be an array with one weight per member");
    }
    spec.weights.forEach((w, i) => {
      if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
        throw invalidArgument(`${path}.weights[${i}]`, "must be a number >= 0");
      }
    });
    if (!spec.weights.some((w) => w > 0))
      throw invalidArgument(`${path}.weights`, "needs one weight above 0");
    weights = [...spec.weights];
  }
  return {
    type: "router",
    name,
    restart: "permanent",
    strategy,
    members,
    weights,
    contextFallbacks:
      spec.contextFallbacks === undefined
        ? []
        : names(spec.contextFallbacks, `${path}.contextFallbacks`, false),
    budget: resolveBudget(spec.budget, `${path}.budget`),
  };
}

function names(value: unknown, path: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(value) || (nonEmpty && value.length === 0)) {
    throw invalidArgument(
      path,
      nonEmpty ? "must be a non-empty array of names" : "must be an array of names",
    );
  }
  return value.map((v, i) => {
    if (typeof v !== "string") throw invalidArgument(`${path}[${i}]`, "must be a client or router name");
    return v;
  });
}

/**
 * The whole-tree checks: members and context fallbacks name clients or routers of the tree (not
 * supervisors, not the router itself), and no router reaches itself through nested routers.
 */
export function checkRouters(routers: readonly ResolvedRouterSpec[], clients: ReadonlySet<string>): void {
  const byName = new Map(routers.map((r) => [r.name, r]));
  for (const router of routers) {
    for (const [field, list] of [
      ["members", router.members],
      ["contextFallbacks", router.contextFallbacks],
    ] as const) {
      list.forEach((member, i) => {
        if (!clients.has(member) && !byName.has(member)) {
          throw invalidArgument(
            `router "${router.name}".${field}[${i}]`,
            `names no client or router of the tree: ${JSON.stringify(member)}`,
          );
        }
      });
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (router: ResolvedRouterSpec): void => {
    if (done.has(router.name)) return;
    if (visiting.has(router.name)) {
      throw invalidArgument(
        `router "${router.name}".members`,
        "routers reach themselves through their members",
      );
    }
    visiting.add(router.name);
    for (const member of [...router.members, ...router.contextFallbacks]) {
      const nested = byName.get(member);
      if (nested !== undefined) visit(nested);
    }
    visiting.delete(router.name);
    done.add(router.name);
  };
  for (const router of routers) visit(router);
}
