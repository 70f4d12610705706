/**
 * The order in which a router tries its members. {@link pickFirst} names the member a strategy tries
 * first and allocates nothing: it is all a routed call pays when that member answers, which is nearly
 * always. {@link orderFrom} lists the fallbacks after it, and runs only when the first did not answer
 * (in the spec's order, except for the strategies that rank every member). Members that cannot take a
 * call right now are moved behind the others by the router (src/router/RoutePlan.ts), not here.
 */
import type { RouterStrategy } from "../types.js";

/** What a strategy reads about one member: live figures from the main thread's proxies. */
export interface RankedMember {
  readonly name: string;
  /** Calls sent and not yet settled. */
  inFlight(): number;
  /** Moving average of its answered calls' latency, in ms; `undefined` while unmeasured. */
  latencyMs(): number | undefined;
  /** Share of its rate-limit budget left, 0..1 (1 while unknown). */
  headroom(): number;
}

/** The state a strategy keeps between calls (rotation, smooth weights). */
export class RouteCursor {
  next = 0;
  /** Smooth weighted round robin (nginx's): the running weights. */
  readonly current: number[];

  constructor(readonly weights: readonly number[]) {
    this.current = weights.map(() => 0);
  }
}

/**
 * The index of the member `strategy` tries first, advancing `cursor` (rotation, smooth weights). It
 * allocates nothing: a routed call whose first member answers never orders the others.
 */
export function pickFirst(
  strategy: RouterStrategy,
  members: readonly RankedMember[],
  cursor: RouteCursor,
): number {
  switch (strategy) {
    case "fallback":
      return 0;
    case "round_robin": {
      const start = cursor.next % members.length;
      cursor.next = (start + 1) % members.length;
      return start;
    }
    case "weighted":
      return smoothWeighted(cursor);
    case "least_busy":
      return lowest(members, busy);
    case "lowest_latency":
      return lowest(members, latency);
    case "most_headroom":
      return lowest(members, room);
  }
}

/**
 * Every member in the order a call tries them when `first` (from {@link pickFirst}) did not answer:
 * `first`, then the others in the spec's order from there (`round_robin`: the rotation), in the spec's
 * order (`fallback`, `weighted`), or ranked by the strategy's figure (the others). Never mutates `members`.
 */
export function orderFrom<M extends RankedMember>(
  strategy: RouterStrategy,
  members: readonly M[],
  first: number,
): M[] {
  const picked = members[first] as M;
  switch (strategy) {
    case "fallback":
    case "round_robin":
      return [...members.slice(first), ...members.slice(0, first)];
    case "weighted":
      return [picked, ...members.filter((_, i) => i !== first)];
    case "least_busy":
      return [picked, ...rank(members, first, busy)];
    case "lowest_latency":
      return [picked, ...rank(members, first, latency)];
    case "most_headroom":
      return [picked, ...rank(members, first, room)];
  }
}

/** `members` in the order `strategy` tries them ({@link pickFirst}, then {@link orderFrom}). */
export function orderMembers<M extends RankedMember>(
  strategy: RouterStrategy,
  members: readonly M[],
  cursor: RouteCursor,
): M[] {
  return orderFrom(strategy, members, pickFirst(strategy, members, cursor));
}

/** The strategies' figures, lowest first: fewest in flight; fastest (an unmeasured member first: it gets measured); most headroom. */
const busy = (m: RankedMember): number => m.inFlight();
const latency = (m: RankedMember): number => m.latencyMs() ?? -1;
const room = (m: RankedMember): number => -m.headroom();

/** The next pick of a smooth weighted round robin: over any window, each member's share follows its weight. */
export function smoothWeighted(cursor: RouteCursor): number {
  const { weights, current } = cursor;
  let total = 0;
  let best = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    current[i] = (current[i] as number) + w;
    total += w;
    if ((current[i] as number) > (current[best] as number)) best = i;
  }
  current[best] = (current[best] as number) - total;
  return best;
}

/** The index of the member with the lowest `key` (ties: the first in the spec's order). */
function lowest(members: readonly RankedMember[], key: (m: RankedMember) => number): number {
  let best = 0;
  let bestKey = Number.POSITIVE_INFINITY;
  for (let i = 0; i < members.length; i++) {
    const k = key(members[i] as RankedMember);
    if (k < bestKey) {
      best = i;
      bestKey = k;
    }
  }
  return best;
}

/** The members but `skip`, by `key` ascending (a stable sort: ties keep the spec's order). */
function rank<M extends RankedMember>(members: readonly M[], skip: number, key: (m: M) => number): M[] {
  return members
    .map((member, i) => ({ member, i, k: key(member) }))
    .filter((e) => e.i !== skip)
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.member);
}
