/**
 * The tree's spec: plain data, validated once at the edge, before any thread starts, with every
 * default in `DEFAULTS` (src/defaults.ts).
 *
 * A supervisor knows two things about each child: its `name` (unique in the whole tree) and its
 * `restart` type. What a leaf *is* (an LLM client today; a router, an actor or a pool later) is told by a
 * {@link NodeType} the caller registers in a {@link TreeGrammar}; adding a node type touches nothing
 * here. `resolveTree` turns what the user wrote into a fully defaulted tree, or throws
 * `ERR_INVALID_ARGUMENT` naming the bad field (`children[1].maxRestarts`):
 *
 * - an unknown key anywhere is refused, naming the closest known one (`did you mean maxRestarts?`);
 * - a spec that cannot be read (a getter or Proxy trap that throws, a revoked Proxy) is refused, and
 *   so is a tree nested deeper than `DEFAULTS.internal.maxSpecDepth`: no `TypeError` or `RangeError`
 *   escapes.
 *
 * | supervisor field | default | meaning |
 * | --- | --- | --- |
 * | strategy | `one_for_one` | which siblings restart with a dead child |
 * | maxRestarts / withinMs | 3 / 5,000 | restart intensity: more restarts than this in the window = give up |
 * | restart | `permanent` | `transient`: not after a normal exit; `temporary`: never |
 */
import { DEFAULTS } from "../src/defaults.js";
import { invalidArgument, isDspexError } from "../src/errors.js";
import type { RestartType, Strategy } from "../src/types.js";
import { type Fields, int, isObject, oneOf, rejectUnknownKeys, show } from "./specFields.js";

/** What every resolved child has, whatever its type. */
export interface ResolvedNode {
  readonly type: string;
  readonly name: string;
  readonly restart: RestartType;
}

/** A supervisor spec with every default filled in; `N` is the union of the leaf types of the tree. */
export interface ResolvedSupervisorSpec<N extends ResolvedNode = ResolvedNode> {
  type: "supervisor";
  name: string;
  strategy: Strategy;
  maxRestarts: number;
  withinMs: number;
  restart: RestartType;
  children: ResolvedChildSpec<N>[];
}

/** A resolved child: a leaf or a nested supervisor. */
export type ResolvedChildSpec<N extends ResolvedNode = ResolvedNode> = N | ResolvedSupervisorSpec<N>;

/** How the tree reads one kind of leaf (registered by name in a {@link TreeGrammar}). */
export interface NodeType<N extends ResolvedNode> {
  /** Every field this type accepts besides `type` and `name`; any other is refused, naming the closest. */
  readonly fields: readonly string[];
  /**
   * Reads a leaf whose keys were already checked against `fields`. Throws `ERR_INVALID_ARGUMENT`
   * naming `${path}.field` for a bad value.
   */
  resolve(spec: Fields, name: string, path: string): N;
}

/** The leaf types a tree may hold, and which one a child without `type` is. */
export interface TreeGrammar<N extends ResolvedNode> {
  readonly nodeTypes: Readonly<Record<string, NodeType<N>>>;
  readonly defaultType: string;
}

const STRATEGIES: readonly Strategy[] = ["one_for_one", "one_for_all", "rest_for_one"];
/** The restart types, for node types to read their `restart` with. */
export const RESTARTS: readonly RestartType[] = ["permanent", "transient", "temporary"];
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const ROOT_FIELDS = ["name", "strategy", "maxRestarts", "withinMs", "children"] as const;
const SUPERVISOR_FIELDS = ["type", "name", "strategy", "maxRestarts", "withinMs", "restart", "children"];

/** Where the reader is, so a spec that throws while read is named by the node it threw in. */
interface Reading<N extends ResolvedNode> {
  readonly grammar: TreeGrammar<N>;
  readonly names: Set<string>;
  path: string;
}

/** Validates and defaults a whole tree; throws `ERR_INVALID_ARGUMENT` naming the first bad field. */
export function resolveTree<N extends ResolvedNode>(
  spec: unknown,
  grammar: TreeGrammar<N>,
): ResolvedSupervisorSpec<N> {
  const reading: Reading<N> = { grammar, names: new Set(), path: "spec" };
  try {
    if (!isObject(spec)) throw invalidArgument("spec", "must be an object");
    rejectUnknownKeys(spec, ROOT_FIELDS, "spec");
    return resolveSupervisor(spec, "spec", spec.name ?? "root", reading, 0);
  } catch (error) {
    if (isDspexError(error)) throw error;
    // A getter or Proxy trap threw (or a revoked Proxy was touched): the spec cannot be read as data.
    const what = error instanceof Error ? error.name : "a non-error value";
    throw invalidArgument(reading.path, `could not be read as plain data (reading it threw ${what})`);
  }
}

function resolveSupervisor<N extends ResolvedNode>(
  spec: Fields,
  path: string,
  rawName: unknown,
  reading: Reading<N>,
  depth: number,
): ResolvedSupervisorSpec<N> {
  const d = DEFAULTS.supervisor;
  const max = DEFAULTS.internal.maxSpecDepth;
  if (depth > max) throw invalidArgument(path, `supervisors nest deeper than ${max} levels`);
  const name = nodeName(rawName, `${path}.name`, reading.names);
  const children = spec.children;
  if (!Array.isArray(children)) throw invalidArgument(`${path}.children`, "must be an array");
  const prefix = path === "spec" ? "" : `${path}.`;
  return {
    type: "supervisor",
    name,
    strategy: oneOf(spec.strategy, STRATEGIES, d.strategy, `${path}.strategy`),
    maxRestarts: int(spec.maxRestarts, d.maxRestarts, `${path}.maxRestarts`, 0, 1_000_000),
    withinMs: int(spec.withinMs, d.withinMs, `${path}.withinMs`, 1, 86_400_000),
    restart: oneOf(spec.restart, RESTARTS, d.restart, `${path}.restart`),
    children: children.map((child: unknown, i) =>
      resolveChild(child, `${prefix}children[${i}]`, reading, depth),
    ),
  };
}

function resolveChild<N extends ResolvedNode>(
  child: unknown,
  path: string,
  reading: Reading<N>,
  depth: number,
): ResolvedChildSpec<N> {
  reading.path = path;
  if (!isObject(child)) throw invalidArgument(path, "must be an object");
  const type = child.type ?? reading.grammar.defaultType;
  if (type === "supervisor") {
    rejectUnknownKeys(child, SUPERVISOR_FIELDS, path);
    return resolveSupervisor(child, path, child.name, reading, depth + 1);
  }
  const nodeType = typeof type === "string" ? reading.grammar.nodeTypes[type] : undefined;
  if (nodeType === undefined || !Object.hasOwn(reading.grammar.nodeTypes, type as string)) {
    const known = ["supervisor", ...Object.keys(reading.grammar.nodeTypes)].map((t) => `"${t}"`);
    throw invalidArgument(`${path}.type`, `must be one of ${known.join(", ")}, got ${show(type)}`);
  }
  rejectUnknownKeys(child, ["type", "name", ...nodeType.fields], path);
  return nodeType.resolve(child, nodeName(child.name, `${path}.name`, reading.names), path);
}

function nodeName(name: unknown, path: string, names: Set<string>): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalidArgument(path, "must be 1-64 characters of letters, digits, '_', '.', ':' or '-'");
  }
  if (names.has(name))
    throw invalidArgument(path, `duplicate name ${show(name)}: names are unique in the whole tree`);
  names.add(name);
  return name;
}

/** Every leaf of a resolved tree, depth first in start order. */
export function leavesOf<N extends ResolvedNode>(spec: ResolvedSupervisorSpec<N>): N[] {
  return spec.children.flatMap((c) =>
    c.type === "supervisor" ? leavesOf(c as ResolvedSupervisorSpec<N>) : [c as N],
  );
}
