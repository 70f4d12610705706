/**
 * A router: one name over several members (clients or routers), addressed by `call`, `stream` and
 * `embed` like a client. It lives on the main thread, decides from the members' live figures (breaker state,
 * cooldown, status, calls in flight, latency, rate-limit headroom), and holds no thread of its own.
 *
 * A call: the strategy picks a member (src/router/strategies.ts); when that member can take the call it
 * gets it at once, and a call it answers costs the router no more than that pick, the deadline and the
 * reply's `attempts` (nothing else is allocated: the fallback machinery is set up only when it is
 * needed; bench/micro/routerHotPath.ts measures it). Otherwise a {@link RoutePlan} walks the others in the
 * strategy's order: those that cannot take it when their turn comes (breaker open, cooling down after
 * a 429, restarting or gone) move to the back without a try; each member gets what is left of the one
 * deadline; a failure that another member may not share (`fallbackPolicy.ts`) moves the call on, with
 * a `fallback` event; a "context length exceeded" moves it to `contextFallbacks`. The reply names the
 * member that answered (`reply.client`) and every member tried (`reply.attempts`; on failure
 * `error.attempts`). A router never hides a call: whatever the members do, the call settles with a
 * reply or the last member's error.
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
import { RoutePlan } from "./RoutePlan.js";
import type { ResolvedRouterSpec } from "./RouterSpec.js";
import { orderFrom, pickFirst, RouteCursor } from "./strategies.js";

const LATENCY_ALPHA = 0.2;

/** How a router reaches the rest of the system. */
export interface RouterDeps {
  /** The member of that name (a client or a router): the same object for the system's life (a client's proxy outlives its restarts). */
  member(name: string): RouteMember;
  emit(event: FallbackEvent): void;
}

/** See the module comment. */
export class Router implements RouteMember {
  readonly stats: RouterStats = { calls: 0, ok: 0, fallbacks: 0, errors: {}, answeredBy: {} };
  readonly #cursor: RouteCursor;
  readonly #budget: Budget | undefined;
  #latency: number | undefined = undefined;
  /** The members, in the spec's order: looked up on first use (the tree builds routers before clients). */
  #resolved: readonly RouteMember[] | undefined = undefined;

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
    for (const member of this.#members()) {
      code = member.unavailable(now);
      if (code === undefined) return undefined;
    }
    return code;
  }

  embeds(): boolean {
    return this.#members().some((member) => member.embeds());
  }

  inFlight(): number {
    let n = 0;
    for (const member of this.#members()) n += member.inFlight();
    return n;
  }

  latencyMs(): number | undefined {
    return this.#latency;
  }

  headroom(): number {
    let best = 0;
    for (const member of this.#members()) best = Math.max(best, member.headroom());
    return best;
  }

  onLatency(ms: number): void {
    this.#latency = this.#latency === undefined ? ms : this.#latency + LATENCY_ALPHA * (ms - this.#latency);
  }

  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number {
    return this.#members()[0]?.estimateCost(messages, params) ?? 0;
  }

  estimateEmbedCost(inputs: readonly string[]): number {
    return this.#members()[0]?.estimateEmbedCost(inputs) ?? 0;
  }

  // ---- routing ----

  /**
   * Routes a call; see the module comment. Rejects with the last member's error (with `attempts`).
   * `options` is this call's own (System.call's admission made it): the router sets each member's
   * `timeoutMs` on it, what is left of the one deadline, rather than copying it for every member.
   */
  call(messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    let deadline: number;
    try {
      deadline = this.#admit(options.controls.timeoutMs);
      if (this.#budget !== undefined) this.#charge(this.estimateCost(messages, options.params));
    } catch (error) {
      return Promise.reject(error);
    }
    const members = this.#members();
    const pick = pickFirst(this.spec.strategy, members, this.#cursor);
    const first = members[pick] as RouteMember;
    const now = Date.now();
    const left = deadline - now;
    if (left <= 0 || first.unavailable(now) !== undefined) {
      return this.#walk(messages, options, this.#plan(deadline, members, pick, 0, options.controls.route));
    }
    // The common case: the strategy's pick answers. A promise reaction is all this adds (measured
    // cheaper than an async function's frame: bench/micro/routerHotPath.ts); the walk is set up only
    // when the pick fails.
    options.controls.timeoutMs = left;
    return first.call(messages, options).then(
      (reply) => {
        first.onLatency(Date.now() - now);
        return this.answered(undefined, first, reply);
      },
      (error: DspexError) => {
        const plan = this.#plan(deadline, members, pick, 1, options.controls.route);
        this.failedOn(plan, first, error);
        return this.#walk(messages, options, plan);
      },
    );
  }

  /** The rest of a call whose first pick could not take it or did not answer: the other members in turn. */
  async #walk(messages: WireMessage[], options: SplitOptions, plan: RoutePlan): Promise<Reply> {
    for (;;) {
      const member = plan.next(Date.now(), this.#moved);
      if (member === undefined) throw this.exhausted(plan);
      const left = plan.deadline - Date.now();
      if (left <= 0) throw this.timedOut(plan);
      options.controls.timeoutMs = left;
      const started = Date.now();
      try {
        const reply = await member.call(messages, options);
        member.onLatency(Date.now() - started);
        return this.answered(plan, member, reply);
      } catch (error) {
        this.failedOn(plan, member, error as DspexError);
      }
    }
  }

  /**
   * Routes an `embed` as a call is routed (same order, skips, fallback verdicts, one deadline), over
   * the members that can embed (a chat router may mix in Anthropic clients); the reply names the
   * member that answered and every member tried.
   */
  async embed(inputs: string[], options: EmbedSplit): Promise<EmbedReply> {
    const deadline = this.#admit(options.controls.timeoutMs);
    if (this.#budget !== undefined) this.#charge(this.estimateEmbedCost(inputs));
    const members = this.#members();
    const order = orderFrom(
      this.spec.strategy,
      members,
      pickFirst(this.spec.strategy, members, this.#cursor),
    );
    const plan = new RoutePlan(
      deadline,
      order.filter((member) => member.embeds()),
      0,
      options.controls.route,
    );
    for (;;) {
      const member = plan.next(Date.now(), this.#moved);
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
   * The plan of a stream: admitted (the budget checked: throws `ERR_BUDGET_EXCEEDED`) and every member
   * in the strategy's order, walked by {@link next}.
   */
  plan(messages: WireMessage[], options: SplitOptions): RoutePlan {
    const deadline = this.#admit(options.controls.timeoutMs);
    if (this.#budget !== undefined) this.#charge(this.estimateCost(messages, options.params));
    const members = this.#members();
    return this.#plan(
      deadline,
      members,
      pickFirst(this.spec.strategy, members, this.#cursor),
      0,
      options.controls.route,
    );
  }

  /** The next member of `plan` to try, or `undefined` when none is left (see {@link RoutePlan.next}). */
  next(plan: RoutePlan): RouteMember | undefined {
    return plan.next(Date.now(), this.#moved);
  }

  /** Counts a call; its deadline (ms since the epoch). */
  #admit(timeoutMs: number | undefined): number {
    this.stats.calls++;
    return Date.now() + (timeoutMs ?? DEFAULTS.client.timeoutMs);
  }

  /** Refuses a call whose `estimate` (in USD) the router's budget cannot take. */
  #charge(estimate: number): void {
    const budget = this.#budget;
    if (budget === undefined || budget.allows(estimate)) return;
    this.#count("ERR_BUDGET_EXCEEDED");
    throw budgetError(this.name, budget, estimate);
  }

  /**
   * Every member in the strategy's order from `pick`, walked from `at` (1: `pick` was tried already);
   * `route`: the call's trace, when traced (told each move: src/telemetry/RouteTrace.ts).
   */
  #plan(
    deadline: number,
    members: readonly RouteMember[],
    pick: number,
    at: number,
    route: RouteTrace | undefined,
  ): RoutePlan {
    return new RoutePlan(deadline, orderFrom(this.spec.strategy, members, pick), at, route);
  }

  #members(): readonly RouteMember[] {
    this.#resolved ??= this.spec.members.map((name) => this.deps.member(name));
    return this.#resolved;
  }

  /** A member answered (`plan`: the walk, when the first member did not answer). */
  answered(plan: RoutePlan | undefined, member: RouteMember, reply: Reply): Reply {
    if (plan === undefined) {
      // The first member answered: its own attempts (a nested router's), or itself.
      if (reply.attempts === undefined || reply.attempts.length === 0)
        reply.attempts = [{ client: member.name }];
    } else {
      this.#record(plan, member, reply.attempts, undefined);
      reply.attempts = plan.attempts;
    }
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

  /** The error of a call with no member left to try: the last one's, counted. */
  exhausted(plan: RoutePlan | undefined): DspexError {
    return this.#failed(plan, plan?.lastError);
  }

  /** The error of a call whose deadline passed between members. */
  timedOut(plan: RoutePlan | undefined): DspexError {
    return this.#failed(plan, this.#timeout());
  }

  /** A member failed: records it and decides whether the call moves on; throws when it does not. */
  failedOn(plan: RoutePlan, member: RouteMember, error: DspexError): void {
    this.#record(plan, member, error.attempts, error.code);
    const verdict = fallbackVerdict(error, Date.now() < plan.deadline);
    if (verdict === "stop") throw this.#failed(plan, error);
    if (verdict === "context") {
      if (plan.context || this.spec.contextFallbacks.length === 0) throw this.#failed(plan, error);
      plan.context = true;
      const tried = new Set(plan.attempts.filter((a) => a.skipped !== true).map((a) => a.client));
      plan.restart(this.spec.contextFallbacks.filter((n) => !tried.has(n)).map((n) => this.deps.member(n)));
    }
    plan.failed(member, error);
  }

  /** Options for one member of a stream, or `undefined` when the deadline has passed. */
  memberOptions(plan: RoutePlan, options: SplitOptions): SplitOptions | undefined {
    const left = plan.deadline - Date.now();
    if (left <= 0) return undefined;
    return { params: options.params, controls: { ...options.controls, timeoutMs: left } };
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

  /** A call moved from one member to the next: a `fallback` event. An arrow property: bound once. */
  readonly #moved = (from: string, to: string, code: DspexError["code"]): void => {
    this.stats.fallbacks++;
    this.deps.emit({ type: "fallback", router: this.name, from, to, code });
  };

  #count(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  #timeout(): DspexError {
    return dspexError("ERR_TIMEOUT", `router "${this.name}": the call's deadline passed`, {
      client: this.name,
    });
  }

  /** The error a routed call rejects with: the last member's, carrying every attempt. */
  #failed(plan: RoutePlan | undefined, error: DspexError | undefined): DspexError {
    const out =
      error ??
      dspexError("ERR_CLIENT_UNAVAILABLE", `router "${this.name}": no member could take the call`, {
        client: this.name,
      });
    out.attempts = plan?.attempts ?? [];
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
