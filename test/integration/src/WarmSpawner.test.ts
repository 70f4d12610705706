/**
 * The warm spare: a pre-loaded standby worker that a start or restart takes over.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { createSystem, type System } from "../../../src/System.js";
import type { NodeSnapshot } from "../../../src/types.js";
import { WarmSpawner } from "../../../src/WarmSpawner.js";
import { workerEntry } from "../../../src/WorkerSpawner.js";
import { HELLO, nextEvent } from "../harness.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(): Promise<MockServer> {
  const server = await startMockServer();
  closers.push(() => server.close());
  return server;
}

const client = (server: MockServer, name: string, extra: object = {}) => ({
  name,
  provider: "openai" as const,
  model: "m",
  baseURL: server.baseURL,
  ...extra,
});
const node = (system: System, name: string): NodeSnapshot | undefined =>
  system.inspect().children?.find((c) => c.name === name);

describe("WarmSpare", () => {
  it("a restart takes the pre-loaded spare: a new thread that was started before the kill", async () => {
    const server = await serve();
    const warm = new WarmSpawner(workerEntry);
    closers.push(() => warm.close());
    const system = await createSystem({ children: [client(server, "a")] }, { spawner: warm.spawn });
    closers.push(() => system.stop());
    warm.prime();
    const takenBefore = warm.taken;
    const before = node(system, "a")?.threadId;
    const back = nextEvent(system, "restart");
    await system.kill("a");
    await back;
    expect(warm.taken).toBe(takenBefore + 1);
    expect(node(system, "a")?.threadId).not.toBe(before);
    expect((await system.call("a", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("a client with resourceLimits always gets a fresh thread", async () => {
    const server = await serve();
    const warm = new WarmSpawner(workerEntry);
    closers.push(() => warm.close());
    warm.prime();
    const system = await createSystem(
      { children: [client(server, "limited", { resourceLimits: { maxOldGenerationSizeMb: 64 } })] },
      { spawner: warm.spawn },
    );
    closers.push(() => system.stop());
    expect(warm.taken).toBe(0);
    expect((await system.call("limited", HELLO)).text.length).toBeGreaterThan(0);
  });

  it("is off by default: no spare thread once the tree is up", async () => {
    const server = await serve();
    const system = await createSystem({ children: [client(server, "a")] });
    closers.push(() => system.stop());
    expect(system.warmSpawner?.spare).toBeUndefined();
    const back = nextEvent(system, "restart");
    await system.kill("a");
    await back;
    expect(system.warmSpawner?.spare).toBeUndefined();
    expect(system.warmSpawner?.taken).toBe(0);
  });

  it("warmSpare: true keeps one once the tree is up; a restart takes it; stop() terminates it", async () => {
    const server = await serve();
    const system = await createSystem(
      { children: [client(server, "a"), client(server, "b")] },
      { warmSpare: true },
    );
    // Started once the tree was ready, not with it: no client took it.
    expect(system.warmSpawner?.spare).toBeDefined();
    expect(system.warmSpawner?.taken).toBe(0);
    expect((await system.call("b", HELLO)).text.length).toBeGreaterThan(0);
    const back = nextEvent(system, "restart");
    await system.kill("b");
    await back;
    expect(system.warmSpawner?.taken).toBe(1);
    expect((await system.call("b", HELLO)).text.length).toBeGreaterThan(0);
    const spare = system.warmSpawner?.spare;
    expect(spare).toBeDefined();
    const spareExited = new Promise((resolve) => spare?.once("exit", resolve));
    await system.stop();
    await spareExited;
    expect(spare?.threadId).toBe(-1);
    expect(system.warmSpawner?.spare).toBeUndefined();
  });

  it("a spare that fails to start its client dies before ready: a start failure, as for a cold start", async () => {
    const server = await serve();
    await expect(
      createSystem({
        children: [client(server, "bad", { cache: { store: { module: "dspex-no-such-store-module" } } })],
      }),
    ).rejects.toMatchObject({ code: "ERR_START_FAILED" });
  });
});
