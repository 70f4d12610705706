/**
 * OTP supervision with real worker threads: crash kinds, strategies, restart types, intensity and
 * escalation. Synchronized on events and thread exits, never on sleeps.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { System } from "../../../src/System.js";
import type { NodeSnapshot } from "../../../src/types.js";
import { HELLO, mockClient, nextEvent, setup, type WorkerFault } from "../harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});

function find(node: NodeSnapshot, name: string): NodeSnapshot {
  if (node.name === name) return node;
  for (const child of node.children ?? []) {
    const hit = findOrUndefined(child, name);
    if (hit !== undefined) return hit;
  }
  throw new Error(`no node ${name}`);
}
function findOrUndefined(node: NodeSnapshot, name: string): NodeSnapshot | undefined {
  try {
    return find(node, name);
  } catch {
    return undefined;
  }
}
const tid = (system: System, name: string) => find(system.inspect(), name).threadId;
const restarted = (system: System, name: string) =>
  nextEvent(system, "restart", (e) => (e as { child?: string }).child === name);

describe("crash kinds, with calls in flight: all settle, none lost, thread id changes", () => {
  const kinds: Array<WorkerFault | "kill"> = ["throw", "exit", "oom", "kill"];
  for (const kind of kinds) {
    it(kind, async () => {
      const env = await setup(
        (s) => ({
          maxRestarts: 5,
          children: [
            mockClient(s, "gpt", kind === "oom" ? { resourceLimits: { maxOldGenerationSizeMb: 32 } } : {}),
          ],
        }),
        { latencyMs: 150 },
      );
      cleanups.push(env.close);
      const before = tid(env.system, "gpt");
      // Held upstream until the crash (a latency alone lets early ones finish on a loaded machine);
      // their redeliveries are answered.
      env.server.fault({ kind: "stall" }, { times: 20 });
      const calls = Array.from({ length: 20 }, (_, i) =>
        env.system.call("gpt", [{ role: "user", content: `q${i}` }]),
      );
      await env.server.waitFor((s) => s.inFlight === 20, 15_000);
      const crashEvent = nextEvent(env.system, "crash");
      const back = restarted(env.system, "gpt");
      if (kind === "kill") await env.system.kill("gpt");
      else await env.spawner.crash("gpt", kind);
      expect(await crashEvent).toMatchObject({
        child: "gpt",
        cause: kind === "throw" ? "error" : kind === "kill" ? "killed" : kind,
      });
      await back;
      const replies = await Promise.all(calls);
      expect(replies).toHaveLength(20);
      expect(tid(env.system, "gpt")).not.toBe(before);
      expect(find(env.system.inspect(), "gpt")).toMatchObject({ status: "running", restarts: 1 });
      expect(find(env.system.inspect(), "gpt").stats?.redelivered).toBe(20);
    });
  }

  it("a failure while restarting counts toward intensity and is retried, not looped", async () => {
    const env = await setup((s) => ({ maxRestarts: 3, withinMs: 60_000, children: [mockClient(s, "gpt")] }));
    cleanups.push(env.close);
    env.spawner.failStarts.set("gpt", 2);
    const failures: unknown[] = [];
    env.system.on("restart_failed", (e) => failures.push(e));
    const back = restarted(env.system, "gpt");
    await env.system.kill("gpt");
    await back;
    expect(failures).toHaveLength(2);
    expect((await env.system.call("gpt", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("redelivery is bounded: a call whose worker keeps dying fails with ERR_WORKER_CRASHED", async () => {
    const env = await setup(
      (s) => ({ maxRestarts: 10, children: [mockClient(s, "gpt", { maxRedeliveries: 1 })] }),
      {
        latencyMs: 10_000,
      },
    );
    cleanups.push(env.close);
    // Observed at once: the rejection may come before the loop ends.
    const call = env.system.call("gpt", HELLO).catch((error: unknown) => error);
    for (let i = 0; i < 2; i++) {
      await env.server.waitFor((s) => s.inFlight >= 1, 15_000);
      const back = restarted(env.system, "gpt");
      await env.system.kill("gpt");
      await back;
    }
    expect(await call).toMatchObject({ code: "ERR_WORKER_CRASHED" });
  });
});

describe("strategies", () => {
  const tree =
    (strategy: "one_for_one" | "one_for_all" | "rest_for_one") => (s: Parameters<typeof mockClient>[0]) => ({
      strategy,
      maxRestarts: 5,
      children: [mockClient(s, "a"), mockClient(s, "b"), mockClient(s, "c")],
    });
  const cases = {
    one_for_one: { a: false, b: true, c: false },
    one_for_all: { a: true, b: true, c: true },
    rest_for_one: { a: false, b: true, c: true },
  } as const;
  for (const [strategy, expected] of Object.entries(cases)) {
    it(`${strategy}: killing b restarts ${Object.keys(expected)
      .filter((k) => expected[k as "a"])
      .join(", ")}`, async () => {
      const env = await setup(tree(strategy as "one_for_one"));
      cleanups.push(env.close);
      const before = { a: tid(env.system, "a"), b: tid(env.system, "b"), c: tid(env.system, "c") };
      const back = restarted(env.system, "b");
      const lastBack = strategy === "one_for_one" ? back : restarted(env.system, "c");
      await env.system.kill("b");
      await Promise.all([back, lastBack]);
      for (const name of ["a", "b", "c"] as const) {
        expect(tid(env.system, name) !== before[name], `${name} restarted`).toBe(expected[name]);
        expect(find(env.system.inspect(), name).restarts).toBe(expected[name] ? 1 : 0);
      }
      const replies = await Promise.all(["a", "b", "c"].map((n) => env.system.call(n, HELLO)));
      expect(replies).toHaveLength(3);
    });
  }
});

describe("restart types", () => {
  it("temporary: never restarted; calls then reject with ERR_CLIENT_UNAVAILABLE", async () => {
    const env = await setup((s) => ({
      children: [mockClient(s, "tmp", { restart: "temporary" }), mockClient(s, "p")],
    }));
    cleanups.push(env.close);
    const exit = nextEvent(env.system, "exit");
    await env.system.kill("tmp");
    expect(await exit).toMatchObject({ child: "tmp", restart: "temporary" });
    await expect(env.system.call("tmp", HELLO)).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
    expect(find(env.system.inspect(), "tmp").status).toMatch(/stopped|failed/);
    expect((await env.system.call("p", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("transient: restarted after a crash, not after a normal exit", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "t", { restart: "transient" })] }));
    cleanups.push(env.close);
    const back = restarted(env.system, "t");
    await env.spawner.crash("t", "throw");
    await back;
    expect((await env.system.call("t", HELLO)).text.length).toBeGreaterThan(0);
    const exit = nextEvent(env.system, "exit");
    await env.spawner.crash("t", "exit0");
    expect(await exit).toMatchObject({ child: "t", restart: "transient" });
    await expect(env.system.call("t", HELLO)).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
  });

  it("permanent: restarted even after a normal exit", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "p")] }));
    cleanups.push(env.close);
    const back = restarted(env.system, "p");
    await env.spawner.crash("p", "exit0");
    await back;
    expect((await env.system.call("p", HELLO)).text.length).toBeGreaterThan(0);
  });
});

describe("intensity and escalation", () => {
  it("a nested supervisor that exceeds its intensity gives up; its parent restarts it afresh", async () => {
    const env = await setup((s) => ({
      maxRestarts: 5,
      children: [
        mockClient(s, "top"),
        {
          type: "supervisor",
          name: "inner",
          maxRestarts: 1,
          withinMs: 60_000,
          children: [mockClient(s, "x"), mockClient(s, "y")],
        },
      ],
    }));
    cleanups.push(env.close);
    const top = tid(env.system, "top");
    const first = restarted(env.system, "x");
    await env.system.kill("x");
    await first;
    const gaveUp = nextEvent(
      env.system,
      "give_up",
      (e) => (e as { supervisor?: string }).supervisor === "inner",
    );
    const innerBack = restarted(env.system, "inner");
    const yBefore = tid(env.system, "y");
    await env.system.kill("x");
    await gaveUp;
    await innerBack;
    expect(find(env.system.inspect(), "inner")).toMatchObject({ status: "running", restarts: 1 });
    expect(tid(env.system, "y")).not.toBe(yBefore);
    expect(tid(env.system, "top")).toBe(top);
    // Fresh history: one more crash of x is within the inner supervisor's intensity again.
    const again = restarted(env.system, "x");
    await env.system.kill("x");
    await again;
    expect((await env.system.call("x", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("OTP: a transient nested supervisor that gives up exits with shutdown; its parent leaves it down", async () => {
    const env = await setup((s) => ({
      maxRestarts: 5,
      children: [
        mockClient(s, "top"),
        {
          type: "supervisor",
          name: "inner",
          restart: "transient",
          maxRestarts: 0,
          withinMs: 60_000,
          children: [mockClient(s, "x")],
        },
      ],
    }));
    cleanups.push(env.close);
    const top = tid(env.system, "top");
    const events: Array<{ type: string; supervisor?: string; child?: string }> = [];
    env.system.on("*", (e) => events.push(e as (typeof events)[number]));
    const left = nextEvent(env.system, "exit", (e) => (e as { child?: string }).child === "inner");
    await env.system.kill("x");
    expect(await left).toMatchObject({
      type: "exit",
      supervisor: "root",
      child: "inner",
      restart: "transient",
    });
    // No crash of "inner" was reported, and nothing of it restarted.
    expect(events.filter((e) => e.child === "inner").map((e) => e.type)).toEqual(["exit"]);
    expect(events.some((e) => e.type === "restart")).toBe(false);
    expect(find(env.system.inspect(), "inner")).toMatchObject({ status: "failed", restarts: 0 });
    await expect(env.system.call("x", HELLO)).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
    // The rest of the tree is untouched.
    expect(env.system.state).toBe("running");
    expect(tid(env.system, "top")).toBe(top);
    expect((await env.system.call("top", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("a root that gives up leaves the system failed; pending and later calls reject ERR_CLIENT_UNAVAILABLE", async () => {
    const env = await setup(
      (s) => ({
        maxRestarts: 0,
        children: [
          mockClient(s, "a", { shutdownTimeoutMs: 200 }),
          mockClient(s, "b", { shutdownTimeoutMs: 200 }),
        ],
      }),
      {
        latencyMs: 10_000,
      },
    );
    cleanups.push(env.close);
    const pending = env.system.call("b", HELLO);
    await env.server.waitFor((s) => s.inFlight === 1, 15_000);
    const failed = nextEvent(env.system, "system_failed");
    await env.system.kill("a");
    await failed;
    expect(env.system.state).toBe("failed");
    await expect(pending).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
    await expect(env.system.call("a", HELLO)).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
    expect(env.system.inspect().status).toBe("failed");
    expect(env.spawner.all().every((w) => w.threadId === -1)).toBe(true);
  });
});
