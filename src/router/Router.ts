/**
 * A router: one name over several members (clients or routers), addressed by `call`, `stream` and
 * `embed` like a client. It lives on the main thread, decides from the members' live figures (breaker state,
 * cooldown, status, calls in flight, latency, rate-limit headroom), and holds no thread of its own.
 *
 * A call: the strategy orders the members; those that cannot take it now (breaker open, cooling down
 * after a 429, restarting or gone) move to the back without a try (they are tried only when no other
 * is left); each member gets what is left of the one deadline; a failure that another member may not
 * share (`fallbackPolicy.ts`) moves the call on, with a `fallback` event; a "context length exceeded"
 * moves it to `contextFallbacks`. The reply names the member that answered (`reply.client`) and every
 * member tried (`reply.attempts`; on failure `error.attempts`). A router never hides a call: whatever
 * the members do, the call settles with a reply or the last member's error.
 */
import { DEFAULTS } from "../defaults.js";
import type { EmbedSplit } from "../embedAdmission.js";
import type { EmbedReply } from "../embedTypes.js";
import { type DspexError, dspexError } from "../errors.js";
import type { FallbackEvent } from "../events.js";
import type { ReplyStream } from "../ReplyStream.js";
import type { RouteTrace } from "../telemetry/RouteTrace.js";
import { Budget } from "../traffic/Budget.js";
import { budgetError } from "../traffic/ClientTraffic.js";
import type {
  GenerationParams,
  NodeSnapshot,
  Reply,
  RouteAttempt,
  RouterStats,
  WireMessage,
} from "../types.js";
import type { SplitOptions } from "../validate.js";
import { fallbackVerdict } from "./fallbackPolicy.js";
import { openRoutedStream } from "./RoutedStream.js";
import type { RouteMember } from "./RouteMember.js";
import type { ResolvedRouterSpec } from "./RouterSpec.js";
import { orderMembers, RouteCursor } from "./strategies.js";

const LATENCY_ALPHA = 0.2;

/** How a router reaches the rest of the system. */
export interface RouterDeps {
  /** The member of that name (a client or a router), looked up at each call: clients outlive restarts. */
  member(name: string): RouteMember;
  emit(event: FallbackEvent): void;
}

/** The members to try for one call, and where the call stands. */
export interface RoutePlan {
  readonly deadline: number;
  readonly attempts: RouteAttempt[];
  /** Members still to try, in order. */
  queue: RouteMember[];
  /** Switched to `contextFallbacks` already. */
  context: boolean;
  /** The call's trace, when traced: told each fallback (src/telemetry/RouteTrace.ts). */
  readonly route?: RouteTrace | undefined;
}

/** See the module comment. */
export class Router implements RouteMember {
  readonly stats: RouterStats = { calls: 0, ok: 0, fallbacks: 0, errors: {}, answeredBy: {} };
  readonly #cursor: RouteCursor;
  readonly #budget: Budget | undefined;
  #latency: number | undefined = undefined;

  constructor(
    readonly spec: ResolvedRouterSpec,
    private readonly deps: RouterDeps,
  ) {
    this.#cursor = new RouteCursor(spec.weights);
    this.#budget = spec.budget === undefined ? undefined : new Budget(spec.budget);
  }

  get name(): string {
    return this.spec.name;
  }

  // ---- as a member of another router ----

  /** A router is skipped only when every one of its members would be. */
  unavailable(now: number): DspexError["code"] | undefined {
    let code: DspexError["code"] | undefined;
    for (const name of this.spec.members) {
      code = this.deps.member(name).unavailable(now);
      if (code === undefined) return undefined;
    }
    return code;
  }

  embeds(): boolean {
    return this.spec.members.some((name) => this.deps.member(name).embeds());
  }

  inFlight(): number {
    let n = 0;
    for (const name of this.spec.members) n += this.deps.member(name).inFlight();
    return n;
  }

  latencyMs(): number | undefined {
    return this.#latency;
  }

  headroom(): number {
    let best = 0;
    for (const name of this.spec.members) best = Math.max(best, this.deps.member(name).headroom());
    return best;
  }

  onLatency(ms: number): void {
    this.#latency = this.#latency === undefined ? ms : this.#latency + LATENCY_ALPHA * (ms - this.#latency);
  }

  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number {
    const first = this.spec.members[0];
    return first === undefined ? 0 : this.deps.member(first).estimateCost(messages, params);
  }

  estimateEmbedCost(inputs: readonly string[]): number {
    const first = this.spec.members[0];
    return first === undefined ? 0 : this.deps.member(first).estimateEmbedCost(inputs);
  }

  // ---- routing ----

  /** Routes a call; see the module comment. Rejects with the last member's error (with `attempts`). */
  async call(messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    const plan = this.plan(messages, options);
    for (;;) {
      const member = plan.queue.shift();
      if (member === undefined) throw this.exhausted(plan);
      const controls = this.#controls(plan, options);
      if (controls === undefined) throw this.timedOut(plan);
      const started = Date.now();
      try {
        const reply = await member.call(messages, { params: options.params, controls });
        member.onLatency(Date.now() - started);
        return this.answered(plan, member, reply);
      } catch (error) {
        this.failedOn(plan, member, error as DspexError);
      }
    }
  }

  /**
   * Routes an `embed` as a call is routed (same order, skips, fallback verdicts, one deadline); the
   * reply names the member that answered and every member tried.
   */
  async embed(inputs: string[], options: EmbedSplit): Promise<EmbedReply> {
    const plan = this.#plan(() => this.estimateEmbedCost(inputs), options.controls);
    // Members that cannot embed (Anthropic clients) are not tried: a chat router may mix them in.
    plan.queue = plan.queue.filter((member) => member.embeds());
    for (;;) {
      const member = plan.queue.shift();
      if (member === undefined) throw this.exhausted(plan);
      const left = plan.deadline - Date.now();
      if (left <= 0) throw this.timedOut(plan);
      const started = Date.now();
      try {
        const reply = await member.embed(inputs, {
          params: options.params,
          controls: { ...options.controls, timeoutMs: left },
        });
        member.onLatency(Date.now() - started);
        this.#record(plan, member, reply.attempts, undefined);
        reply.attempts = plan.attempts;
        this.#answeredBy(reply.client ?? member.name, reply.cost);
        return reply;
      } catch (error) {
        this.failedOn(plan, member, error as DspexError);
      }
    }
  }

  /** Streams through the router: falls back only before the first chunk (src/router/RoutedStream.ts). */
  stream(messages: WireMessage[], options: SplitOptions): ReplyStream {
    return openRoutedStream(this, messages, options);
  }

  /**
   * The plan of one call: budget checked (throws `ERR_BUDGET_EXCEEDED`), the strategy's order with the
   * members that cannot take a call now moved behind the others (each recorded as skipped).
   */
  plan(messages: WireMessage[], options: SplitOptions): RoutePlan {
    return this.#plan(() => this.estimateCost(messages, options.params), options.controls);
  }

  /** {@link plan} for any request: `estimate` prices it for the budget (read only when there is one). */
  #plan(
    estimateCost: () => number,
    { timeoutMs, route }: { timeoutMs?: number | undefined; route?: RouteTrace | undefined },
  ): RoutePlan {
    this.stats.calls++;
    const budget = this.#budget;
    if (budget !== undefined) {
      const estimate = estimateCost();
      if (!budget.allows(estimate)) {
        this.#count("ERR_BUDGET_EXCEEDED");
        throw budgetError(this.name, budget, estimate);
      }
    }
    const now = Date.now();
    const members = this.spec.members.map((name) => this.deps.member(name));
    const ordered = orderMembers(this.spec.strategy, members, this.#cursor);
    const ready: RouteMember[] = [];
    const skipped: RouteMember[] = [];
    const attempts: RouteAttempt[] = [];
    let lastSkip: { member: RouteMember; code: DspexError["code"] } | undefined;
    for (const member of ordered) {
      const why = member.unavailable(now);
      if (why === undefined) {
        if (lastSkip !== undefined) this.#fallback(lastSkip.member.name, member.name, lastSkip.code, route);
        lastSkip = undefined;
        ready.push(member);
      } else {
        attempts.push({ client: member.name, code: why, skipped: true });
        skipped.push(member);
        lastSkip = { member, code: why };
      }
    }
    const deadline = now + (timeoutMs ?? DEFAULTS.client.timeoutMs);
    // Skipped members are still tried when no other is left: a restarting client takes the call when
    // it is back, an open breaker answers at once; the call gets a real answer or a real error.
    return { deadline, attempts, queue: [...ready, ...skipped], context: false, route };
  }

  /** A member answered. */
  answered(plan: RoutePlan, member: RouteMember, reply: Reply): Reply {
    this.#record(plan, member, reply.attempts, undefined);
    reply.attempts = plan.attempts;
    this.#answeredBy(reply.client ?? member.name, reply.cost);
    return reply;
  }

  /** Counts an answer by `by`, and its cost against the budget. */
  #answeredBy(by: string, cost: number | undefined): void {
    this.stats.ok++;
    this.stats.answeredBy[by] = (this.stats.answeredBy[by] ?? 0) + 1;
    if (cost !== undefined) this.#budget?.record(cost);
  }

  /** A member's answer cost `usd` (a stream's last chunk): it counts against the router's budget. */
  spent(usd: number): void {
    this.#budget?.record(usd);
  }

  /** A member's stream sent its first chunk (or ended at once): the call is that member's now. */
  streamStarted(plan: RoutePlan, member: RouteMember): void {
    this.#record(plan, member, undefined, undefined);
    this.stats.ok++;
    this.stats.answeredBy[member.name] = (this.stats.answeredBy[member.name] ?? 0) + 1;
  }

  /** The error of a call with no member left to try (`error`: the last one's), counted. */
  exhausted(plan: RoutePlan, error?: DspexError): DspexError {
    return this.#failed(plan, error);
  }

  /** The error of a call whose deadline passed between members. */
  timedOut(plan: RoutePlan): DspexError {
    return this.#failed(plan, this.#timeout());
  }

  /** A member failed: decide whether the call moves on; throws when it does not. */
  failedOn(plan: RoutePlan, member: RouteMember, error: DspexError): void {
    this.#record(plan, member, error.attempts, error.code);
    const verdict = fallbackVerdict(error, Date.now() < plan.deadline);
    if (verdict === "stop") throw this.#failed(plan, error);
    if (verdict === "context") {
      if (plan.context || this.spec.contextFallbacks.length === 0) throw this.#failed(plan, error);
      plan.context = true;
      const tried = new Set(plan.attempts.filter((a) => a.skipped !== true).map((a) => a.client));
      plan.queue = this.spec.contextFallbacks.filter((n) => !tried.has(n)).map((n) => this.deps.member(n));
    }
    const next = plan.queue[0];
    if (next === undefined) throw this.#failed(plan, error);
    this.#fallback(member.name, next.name, error.code, plan.route);
  }

  /** The member's own controls: what is left of the router's deadline. `undefined`: nothing is left. */
  #controls(plan: RoutePlan, options: SplitOptions): SplitOptions["controls"] | undefined {
    const left = plan.deadline - Date.now();
    if (left <= 0) return undefined;
    return { ...options.controls, timeoutMs: left };
  }

  /** Options for one member of a stream, or `undefined` when the deadline has passed. */
  memberOptions(plan: RoutePlan, options: SplitOptions): SplitOptions | undefined {
    const controls = this.#controls(plan, options);
    return controls === undefined ? undefined : { params: options.params, controls };
  }

  #record(
    plan: RoutePlan,
    member: RouteMember,
    nested: RouteAttempt[] | undefined,
    code: string | undefined,
  ): void {
    // A nested router's own attempts name the clients it tried; a client is one attempt.
    if (nested !== undefined && nested.length > 0) {
      for (const a of nested) plan.attempts.push(a);
      return;
    }
    plan.attempts.push(code === undefined ? { client: member.name } : { client: member.name, code });
  }

  #fallback(from: string, to: string, code: DspexError["code"], route: RouteTrace | undefined): void {
    this.stats.fallbacks++;
    route?.fallback(from, to, code);
    this.deps.emit({ type: "fallback", router: this.name, from, to, code });
  }

  #count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  #timeout(): DspexError {
    return dspexError("ERR_TIMEOUT", `router "${this.name}": the call's deadline passed`, {
      client: this.name,
    });
  }

  /** The error a routed call rejects with: the last member's, carrying every attempt. */
  #failed(plan: RoutePlan, error: DspexError | undefined): DspexError {
    const out =
      error ??
      dspexError("ERR_CLIENT_UNAVAILABLE", `router "${this.name}": no member could take the call`, {
        client: this.name,
      });
    out.attempts = plan.attempts;
    this.#count(out.code);
    return out;
  }

  /** The router as `inspect()` shows it. */
  snapshot(): NodeSnapshot {
    const snapshot: NodeSnapshot = {
      name: this.name,
      type: "router",
      status: "running",
      restarts: 0,
      strategy: this.spec.strategy,
      members: [...this.spec.members],
      routing: structuredClone(this.stats),
    };
    const budget = this.#budget;
    if (budget !== undefined) {
      snapshot.traffic = {
        tokens: { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 },
        cost: 0,
        budget: { ...budget.settings, spent: budget.spent(), left: budget.left() },
      };
    }
    return snapshot;
  }
}
