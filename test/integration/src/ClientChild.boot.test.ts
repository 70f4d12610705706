/**
 * Concurrent boot with real threads: a tree's client threads all start loading before the first
 * client is told who it is, yet clients become ready one at a time in start order; a client whose
 * start fails has the ones started before it stopped in reverse order, and the ones after it are
 * never ready (their booted threads are terminated).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import type { BootedThread } from "../../../src/BootedThread.js";
import { ClientChild } from "../../../src/ClientChild.js";
import { ClientProxy } from "../../../src/ClientProxy.js";
import type { ResolvedClientSpec } from "../../../src/ClientSpec.js";
import { isDspexError } from "../../../src/errors.js";
import { resolveSystemSpec } from "../../../src/SystemSpec.js";
import { splitOptions } from "../../../src/validate.js";
import { WarmSpawner } from "../../../src/WarmSpawner.js";
import type { Supervisor } from "../../../supervisor/Supervisor.js";
import { buildSupervisorTree } from "../../../supervisor/SupervisorTree.js";
import { HELLO } from "../harness.js";

const STANDBY_WORKER = new URL("../../fixtures/standby-worker.mjs", import.meta.url);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A tree of real clients whose threads boot through the standby fixture, logging what happens. */
function tree(server: MockServer, names: string[]) {
  const log: string[] = [];
  /** Each booted thread's exit. */
  const exits = new Map<string, Promise<number>>();
  const warm = new WarmSpawner(STANDBY_WORKER, [], { spare: false });
  closers.push(() => warm.close());
  const booter = {
    boot: (client: ResolvedClientSpec, preload: boolean): BootedThread => {
      log.push(`boot:${client.name}`);
      const booted = warm.boot(client, preload);
      exits.set(client.name, new Promise((resolve) => booted.worker.once("exit", resolve)));
      return booted;
    },
  };
  const children = new Map<string, ClientChild>();
  const spec = resolveSystemSpec({
    children: names.map((name) => ({
      name,
      provider: "openai" as const,
      model: "m",
      baseURL: server.baseURL,
    })),
  });
  const root: Supervisor = buildSupervisorTree(spec, {
    leaf: (leaf) => {
      const client = leaf as ResolvedClientSpec;
      const child = new ClientChild(client, new ClientProxy(client), warm.spawn, booter);
      children.set(client.name, child);
      // The order of what the supervisor sees: each start's end, and each stop of a running client.
      const start = child.start.bind(child);
      child.start = () =>
        start().then(
          () => void log.push(`ready:${client.name}`),
          (error: unknown) => {
            log.push(`failed:${client.name}`);
            throw error;
          },
        );
      const stop = child.stop.bind(child);
      child.stop = () => {
        if (child.threadId !== -1) log.push(`stop:${client.name}`);
        return stop();
      };
      return child;
    },
    emit: () => {},
  });
  closers.push(() => root.stop());
  return { root, log, exits, children };
}

async function serve(): Promise<MockServer> {
  const server = await startMockServer();
  closers.push(() => server.close());
  return server;
}

describe("concurrent boot", () => {
  it("boots every thread before the first client is ready, and readies the clients in order", async () => {
    const server = await serve();
    const { root, log, children } = tree(server, ["a", "b", "c", "d"]);
    await root.start();
    expect(log).toEqual(["boot:a", "boot:b", "boot:c", "boot:d", "ready:a", "ready:b", "ready:c", "ready:d"]);
    for (const child of children.values()) {
      expect((await child.proxy.call(HELLO, splitOptions({}))).text.length).toBeGreaterThan(0);
    }
  });

  it("a start that fails stops the ones before it in reverse order; the ones after are never ready", async () => {
    const server = await serve();
    const { root, log, exits, children } = tree(server, ["a", "b", "fail-c", "d", "e"]);
    const error = await root.start().catch((e: unknown) => e);
    expect(isDspexError(error, "ERR_START_FAILED")).toBe(true);
    expect((error as Error).message).toContain("fail-c");
    expect(log).toEqual([
      "boot:a",
      "boot:b",
      "boot:fail-c",
      "boot:d",
      "boot:e",
      "ready:a",
      "ready:b",
      "failed:fail-c",
      "stop:b",
      "stop:a",
    ]);
    // The booted threads of d and e were terminated without ever being told their client.
    await Promise.all(["d", "e"].map((name) => exits.get(name)));
    for (const name of ["d", "e"]) {
      expect(children.get(name)?.status).toBe("stopped");
      expect(children.get(name)?.threadId).toBe(-1);
    }
    expect(root.snapshot().status).toBe("failed");
  });
});
