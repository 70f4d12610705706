/**
 * The lifecycle verbs with real threads and the loopback mock server: `await using` stops a system,
 * `using` unsubscribes, and `destroy()` rejects everything pending at once and terminates every thread,
 * where a graceful `stop()` would wait for calls to finish.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { isDspexError } from "../../../src/errors.js";
import type { SystemEvent } from "../../../src/events.js";
import { createSystem, type System } from "../../../src/System.js";
import { HELLO, mockClient, nextEvent, RecordingSpawner } from "../harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});

async function server(): Promise<MockServer> {
  const s = await startMockServer({ port: 0 });
  cleanups.push(() => s.close());
  return s;
}

/** Resolves once `worker` has exited. */
function exited(worker: { once(event: "exit", listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => worker.once("exit", () => resolve()));
}

describe("await using / using", () => {
  it("`await using` stops the system when its block ends", async () => {
    const mock = await server();
    const spawner = new RecordingSpawner();
    let outer: System | undefined;
    let gone: Promise<void> | undefined;
    {
      await using system = await createSystem(
        { children: [mockClient(mock, "m")] },
        { spawner: spawner.spawner },
      );
      outer = system;
      gone = exited(spawner.latest("m"));
      expect((await system.call("m", HELLO)).text).toContain("Capital of France");
      expect(system.state).toBe("running");
    }
    expect(outer.state).toBe("stopped");
    await gone;
    await expect(outer.call("m", HELLO)).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
  });

  it("`using sub = system.on(...)` unsubscribes when its block ends", async () => {
    const mock = await server();
    const system = await createSystem({ children: [mockClient(mock, "m")] });
    cleanups.push(() => system.stop());
    const seen: SystemEvent[] = [];
    {
      using sub = system.on("crash", (event) => seen.push(event));
      expect(typeof sub[Symbol.dispose]).toBe("function");
      const restarted = nextEvent(system, "restart");
      await system.kill("m");
      await restarted;
      expect(seen.map((e) => e.type)).toEqual(["crash"]);
    }
    const restarted = nextEvent(system, "restart");
    await system.kill("m");
    await restarted;
    expect(seen).toHaveLength(1);
  });
});

describe("system.destroy()", () => {
  it("rejects every pending call and stream at once with ERR_SYSTEM_STOPPED and terminates every thread", async () => {
    const mock = await server();
    mock.fault({ kind: "stall" });
    const spawner = new RecordingSpawner();
    // A minute of grace and a minute of deadline: a graceful stop would wait for these calls.
    const slow = { shutdownTimeoutMs: 60_000, timeoutMs: 60_000, attemptTimeoutMs: 60_000 };
    const system = await createSystem(
      {
        children: [
          mockClient(mock, "a", slow),
          { type: "supervisor", name: "inner", children: [mockClient(mock, "b", slow)] },
        ],
      },
      { spawner: spawner.spawner },
    );
    cleanups.push(() => system.stop());
    const calls = Array.from({ length: 10 }, (_, i) =>
      system.call(i % 2 === 0 ? "a" : "b", [{ role: "user", content: `stalled ${i}` }]),
    );
    const settled = calls.map((p) =>
      p.then(
        () => "resolved",
        (e: unknown) => e,
      ),
    );
    const stream = system.stream("b", [{ role: "user", content: "stalled stream" }]);
    const pulled = stream[Symbol.asyncIterator]()
      .next()
      .then(
        () => "chunk",
        (e: unknown) => e,
      );
    await mock.waitFor((s) => s.inFlight === 11);
    const workers = spawner.all();
    const allExited = Promise.all(workers.map(exited));

    const graceful = system.stop(); // would wait up to a minute for the stalled calls
    const destroyed = system.destroy();
    // At once: every caller has its answer before any thread has been waited for.
    const errors = await Promise.all([...settled, pulled]);
    for (const error of errors) {
      expect(isDspexError(error) ? error.code : error).toBe("ERR_SYSTEM_STOPPED");
    }
    await destroyed;
    await graceful;
    await allExited;
    expect(system.state).toBe("stopped");
    expect(system.inspect().children?.map((c) => c.status)).toEqual(["stopped", "stopped"]);
    await expect(system.call("a", HELLO)).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
    await mock.waitFor((s) => s.inFlight === 0);
    // Idempotent, and so is stop() afterwards.
    await system.destroy();
    await system.stop();
  });

  it("on a running system with nothing pending ends every thread and nothing restarts", async () => {
    const mock = await server();
    const spawner = new RecordingSpawner();
    const system = await createSystem(
      { children: [mockClient(mock, "a"), mockClient(mock, "b")] },
      {
        spawner: spawner.spawner,
      },
    );
    const events: SystemEvent[] = [];
    system.on("*", (event) => events.push(event));
    const allExited = Promise.all(spawner.all().map(exited));
    await system.destroy();
    await allExited;
    expect(spawner.all()).toHaveLength(2);
    expect(events.filter((e) => e.type === "crash" || e.type === "restart")).toEqual([]);
  });
});
