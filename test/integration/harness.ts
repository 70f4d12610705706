/**
 * Shared set-up for integration tests: a real mock server on 127.0.0.1 and real worker threads,
 * optionally through the fault-injecting fixture worker (test/fixtures/faulty-worker.mjs), which wraps
 * the real worker entry and obeys `{ type: "__fault", kind }` messages.
 */
import type { Worker } from "node:worker_threads";
import { type MockServer, startMockServer } from "../../mock/index.js";
import type { EventOf, SystemEventType } from "../../src/events.js";
import { createSystem, type System } from "../../src/System.js";
import type { ClientSpec, SystemSpec } from "../../src/types.js";
import { spawnerFor, type WorkerSpawner } from "../../src/WorkerSpawner.js";

/** The fixture worker entry. */
export const FAULTY_WORKER = new URL("../fixtures/faulty-worker.mjs", import.meta.url);

/** Faults the fixture worker understands. */
export type WorkerFault = "throw" | "exit" | "exit0" | "oom";

/** A spawner that records every worker it starts, so tests can inject faults and watch exits. */
export class RecordingSpawner {
  readonly workers = new Map<string, Worker[]>();
  /** Clients whose next start fails (the fixture throws before "ready"); counts down per start. */
  readonly failStarts = new Map<string, number>();
  readonly spawner: WorkerSpawner;

  constructor(entry: URL = FAULTY_WORKER) {
    const base = spawnerFor(entry);
    this.spawner = (init, client) => {
      const left = this.failStarts.get(client.name) ?? 0;
      const data = left > 0 ? { ...init, __fault: "start" } : init;
      if (left > 0) this.failStarts.set(client.name, left - 1);
      const worker = base(data as typeof init, client);
      const list = this.workers.get(client.name) ?? [];
      list.push(worker);
      this.workers.set(client.name, list);
      return worker;
    };
  }

  /** The most recent worker of `name`. */
  latest(name: string): Worker {
    const worker = this.workers.get(name)?.at(-1);
    if (worker === undefined) throw new Error(`no worker was started for ${name}`);
    return worker;
  }

  /** Injects a fault into the current worker of `name` and resolves once that thread has exited. */
  async crash(name: string, kind: WorkerFault): Promise<void> {
    const worker = this.latest(name);
    // Not events.once: it rejects on the "error" that a throwing or out-of-memory worker emits first.
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage({ type: "__fault", kind });
    await exited;
  }

  /** Every worker ever started, for leak checks. */
  all(): Worker[] {
    return [...this.workers.values()].flat();
  }
}

/** A client spec pointing at the mock server. */
export function mockClient(server: MockServer, name: string, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name,
    provider: "openai",
    model: "mock-model",
    baseURL: server.baseURL,
    apiKey: "sk-test-harness",
    ...extra,
  };
}

/** Starts a mock server and a system; `using`-style cleanup via the returned `close`. */
export async function setup(
  build: (server: MockServer) => SystemSpec,
  opts: { latencyMs?: number; spawner?: RecordingSpawner; apiKey?: string } = {},
): Promise<{ server: MockServer; system: System; spawner: RecordingSpawner; close: () => Promise<void> }> {
  const serverOptions: Parameters<typeof startMockServer>[0] = { latencyMs: opts.latencyMs ?? 0 };
  if (opts.apiKey !== undefined) serverOptions.apiKey = opts.apiKey;
  const server = await startMockServer(serverOptions);
  const spawner = opts.spawner ?? new RecordingSpawner();
  let system: System;
  try {
    system = await createSystem(build(server), { spawner: spawner.spawner });
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    system,
    spawner,
    close: async () => {
      await system.stop();
      await server.close();
    },
  };
}

/** Resolves with the next event of `type` that satisfies `predicate`. */
export function nextEvent<T extends SystemEventType>(
  system: System,
  type: T,
  predicate: (event: EventOf<T>) => boolean = () => true,
): Promise<EventOf<T>> {
  return new Promise((resolve) => {
    const sub = system.on(type, (event) => {
      if (!predicate(event)) return;
      sub.dispose();
      resolve(event);
    });
  });
}

/** The user message every test sends unless it needs another. */
export const HELLO = [{ role: "user" as const, content: "Capital of France?" }];
