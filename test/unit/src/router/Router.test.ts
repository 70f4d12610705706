/**
 * The router's decisions with in-process members (no threads): the strategy's pick taken at once and
 * alone in `attempts` when it answers; the walk after it (fallback order, skips tried last, events,
 * verdicts); one deadline handed to each member; refusals as rejected promises. The same behaviour
 * through real threads and the mock server: test/integration/src/System.routers.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { EmbedReply } from "../../../../src/embedTypes.js";
import { type DspexError, dspexError, type ErrorCode } from "../../../../src/errors.js";
import type { FallbackEvent } from "../../../../src/events.js";
import type { ReplyStream } from "../../../../src/ReplyStream.js";
import type { RouteMember } from "../../../../src/router/RouteMember.js";
import { Router } from "../../../../src/router/Router.js";
import { resolveRouter } from "../../../../src/router/RouterSpec.js";
import type { Reply, RouterSpec, WireMessage } from "../../../../src/types.js";
import type { SplitOptions } from "../../../../src/validate.js";

/** A member whose calls answer or fail as told, and which remembers the time-out each call was given. */
class FakeMember implements RouteMember {
  /** Why it cannot take a call now (`undefined`: it can). */
  down: ErrorCode | undefined = undefined;
  /** What its next calls do, in order; once used up, it answers. */
  readonly outcomes: (DspexError | "ok")[] = [];
  readonly timeouts: (number | undefined)[] = [];
  cost = 0;

  constructor(readonly name: string) {}

  unavailable(_now: number): ErrorCode | undefined {
    return this.down;
  }
  call(_messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    this.timeouts.push(options.controls.timeoutMs);
    const outcome = this.outcomes.shift() ?? "ok";
    if (outcome !== "ok") return Promise.reject(outcome);
    return Promise.resolve({
      text: `from ${this.name}`,
      cached: false,
      usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
      finishReason: "stop",
      model: "m",
      client: this.name,
    });
  }
  stream(): ReplyStream {
    throw new Error("not used");
  }
  embed(): Promise<EmbedReply> {
    throw new Error("not used");
  }
  embeds(): boolean {
    return false;
  }
  onLatency(): void {}
  estimateCost(): number {
    return this.cost;
  }
  estimateEmbedCost(): number {
    return 0;
  }
  inFlight(): number {
    return 0;
  }
  latencyMs(): number | undefined {
    return undefined;
  }
  headroom(): number {
    return 1;
  }
}

function setup(spec: Partial<RouterSpec>) {
  const members = new Map(["a", "b", "c"].map((name) => [name, new FakeMember(name)]));
  const events: FallbackEvent[] = [];
  const router = new Router(resolveRouter({ members: ["a", "b", "c"], ...spec }, "router", "r"), {
    member: (name) => members.get(name) as FakeMember,
    emit: (event) => events.push(event),
  });
  const call = (timeoutMs?: number) =>
    router.call([{ role: "user", content: "hi" }], {
      params: {},
      controls: timeoutMs === undefined ? {} : { timeoutMs },
    });
  const member = (name: string) => members.get(name) as FakeMember;
  return { router, call, member, events };
}

const http = (status: number) => dspexError("ERR_HTTP", `upstream said ${status}`, { status });

describe("Router", () => {
  it("calls the strategy's pick at once: the reply names it, alone in its attempts", async () => {
    const { router, call, member, events } = setup({ strategy: "round_robin" });
    const answered = [];
    for (let i = 0; i < 4; i++) {
      const reply = await call(5_000);
      expect(reply.attempts).toEqual([{ client: reply.client }]);
      answered.push(reply.client);
    }
    expect(answered).toEqual(["a", "b", "c", "a"]);
    // The one deadline's time left, set on the call's own options (no copy per member).
    for (const t of member("a").timeouts) expect(t).toBeGreaterThan(4_900);
    for (const t of member("a").timeouts) expect(t).toBeLessThanOrEqual(5_000);
    expect(events).toEqual([]);
    expect(router.stats).toMatchObject({ calls: 4, ok: 4, fallbacks: 0, answeredBy: { a: 2, b: 1, c: 1 } });
  });

  it("moves a failed pick on in the strategy's order, with a fallback event", async () => {
    const { call, member, events } = setup({ strategy: "round_robin" });
    await call(); // a; the next pick is b
    member("b").outcomes.push(http(503));
    const reply = await call();
    expect(reply.client).toBe("c");
    expect(reply.attempts).toEqual([{ client: "b", code: "ERR_HTTP" }, { client: "c" }]);
    expect(events).toEqual([{ type: "fallback", router: "r", from: "b", to: "c", code: "ERR_HTTP" }]);
    expect(member("a").timeouts).toHaveLength(1);
  });

  it("skips a member that cannot take the call, and tries it last when no other is left", async () => {
    const { router, call, member, events } = setup({ members: ["a", "b"] });
    member("a").down = "ERR_CIRCUIT_OPEN";
    member("b").outcomes.push(http(502));
    const reply = await call();
    expect(reply.client).toBe("a");
    expect(reply.attempts).toEqual([
      { client: "a", code: "ERR_CIRCUIT_OPEN", skipped: true },
      { client: "b", code: "ERR_HTTP" },
      { client: "a" },
    ]);
    expect(events.map((e) => [e.from, e.to, e.code])).toEqual([
      ["a", "b", "ERR_CIRCUIT_OPEN"],
      ["b", "a", "ERR_HTTP"],
    ]);
    expect(router.stats.fallbacks).toBe(2);
  });

  it("stops at a bad request: the call rejects with it and every attempt, no other member asked", async () => {
    const { router, call, member } = setup({});
    member("a").outcomes.push(http(400));
    const error = (await call().catch((e: unknown) => e)) as DspexError;
    expect(error).toMatchObject({
      code: "ERR_HTTP",
      status: 400,
      attempts: [{ client: "a", code: "ERR_HTTP" }],
    });
    expect(member("b").timeouts).toEqual([]);
    expect(router.stats.errors).toEqual({ ERR_HTTP: 1 });
  });

  it("rejects with the last member's error when every member failed", async () => {
    const { call, member } = setup({});
    for (const name of ["a", "b", "c"]) member(name).outcomes.push(http(503));
    const error = (await call().catch((e: unknown) => e)) as DspexError;
    expect(error.attempts?.map((a) => a.client)).toEqual(["a", "b", "c"]);
    expect(error.message).toBe("upstream said 503");
  });

  it("a context-length error moves to contextFallbacks, past the other members", async () => {
    const { call, member } = setup({ members: ["a", "b"], contextFallbacks: ["c"] });
    member("a").outcomes.push(
      dspexError("ERR_HTTP", "too long", { status: 400, upstreamCode: "context_length_exceeded" }),
    );
    const reply = await call();
    expect(reply.attempts).toEqual([{ client: "a", code: "ERR_HTTP" }, { client: "c" }]);
    expect(member("b").timeouts).toEqual([]);
  });

  it("gives each member what is left of the one deadline", async () => {
    const { call, member } = setup({});
    member("a").outcomes.push(http(503));
    await call(2_000);
    const [first] = member("a").timeouts as number[];
    const [second] = member("b").timeouts as number[];
    expect(first).toBeGreaterThan(1_900);
    expect(first).toBeLessThanOrEqual(2_000);
    expect(second).toBeLessThanOrEqual(first as number);
  });

  it("refuses a call over its budget with a rejected promise, before any member is asked", async () => {
    const { router, member } = setup({ budget: { usd: 1, perMs: 60_000 } });
    member("a").cost = 5;
    const pending = router.call([{ role: "user", content: "hi" }], { params: {}, controls: {} });
    expect(await pending.catch((e: unknown) => e)).toMatchObject({
      code: "ERR_BUDGET_EXCEEDED",
      client: "r",
    });
    expect(member("a").timeouts).toEqual([]);
  });
});
