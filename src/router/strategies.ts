/**
 * The order in which a router tries its members, one pure function per strategy. The first member is
 * the one the strategy picks; the others follow as fallbacks (in the spec's order, except for the
 * strategies that rank every member). Members that cannot take a call right now are moved behind the
 * others by the router, not here.
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

/** `members` in the order `strategy` tries them. Never mutates `members`. */
export function orderMembers<M extends RankedMember>(
  strategy: RouterStrategy,
  members: readonly M[],
  cursor: RouteCursor,
): M[] {
  switch (strategy) {
    case "fallback":
      return [...members];
    case "round_robin": {
      const start = cursor.next % members.length;
      cursor.next = (start + 1) % members.length;
      return [...members.slice(start), ...members.slice(0, start)];
    }
    case "weighted":
      return pickFirst(members, smoothWeighted(cursor));
    case "least_busy":
      return rank(members, (m) => m.inFlight());
    case "lowest_latency":
      // An unmeasured member goes first: it gets measured.
      return rank(members, (m) => m.latencyMs() ?? -1);
    case "most_headroom":
      return rank(members, (m) => -m.headroom());
  }
}

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

function pickFirst<M>(members: readonly M[], index: number): M[] {
  const first = members[index] as M;
  return [first, ...members.filter((_, i) => i !== index)];
}

/** A stable sort by `key` ascending (ties keep the spec's order). */
function rank<M>(members: readonly M[], key: (m: M) => number): M[] {
  return members
    .map((member, i) => ({ member, i, k: key(member) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.member);
}
