/**
 * Set-up shared by the pipeline tests (`pipeline.*.test.ts`): a real mock server on 127.0.0.1 (with
 * any of its options) and a system of real client workers started by the default spawner, plus small
 * helpers to watch events and catch rejections.
 */

import { afterEach } from "vitest";
import { type MockServer, type MockServerOptions, startMockServer } from "../../mock/index.js";
import type { EventOf, SystemEvent, SystemEventType } from "../../src/events.js";
import { createSystem, type System } from "../../src/System.js";
import type { ClientSpec, ClientStats, NodeSnapshot, SystemSpec } from "../../src/types.js";
import { nextEvent } from "./harness.js";

/** A running system and its mock server; `close` stops both. */
export interface PipelineEnv {
  server: MockServer;
  system: System;
  close: () => Promise<void>;
}

/** Fast retries for tests: the backoff is never what a test waits for. */
export const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 5 } as const;

/** Starts a mock server with `serverOptions`, then a system built from it. */
export async function pipelineEnv(
  build: (server: MockServer) => SystemSpec,
  serverOptions: MockServerOptions = {},
): Promise<PipelineEnv> {
  const server = await startMockServer(serverOptions);
  let system: System;
  try {
    system = await createSystem(build(server));
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    system,
    close: async () => {
      await system.stop();
      await server.close();
    },
  };
}

/** Starts a {@link pipelineEnv} that is closed after the test that made it. */
export interface EnvMaker {
  (build: (server: MockServer) => SystemSpec, serverOptions?: MockServerOptions): Promise<PipelineEnv>;
  /** Runs `close` after this test too (a second server, a temporary folder ...), in the same order. */
  defer(close: () => void | Promise<void>): void;
}

/**
 * A test file's environment maker: each environment it starts is closed after the test that made it,
 * the newest first. Call it once, at the top of the file (it registers an `afterEach`).
 */
export function closedAfterEach(): EnvMaker {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanups.splice(0).reverse()) await close();
  });
  const make = async (build: (server: MockServer) => SystemSpec, serverOptions: MockServerOptions = {}) => {
    const e = await pipelineEnv(build, serverOptions);
    cleanups.push(e.close);
    return e;
  };
  return Object.assign(make, { defer: (close: () => void | Promise<void>) => void cleanups.push(close) });
}

/**
 * The common environment: one OpenAI client named `name` ({@link client}, with `extra`) on a mock
 * server with `serverOptions`, closed after each test (by `make`, when the file has its own).
 */
export function oneClientEnv(
  name = "gpt",
  make: EnvMaker = closedAfterEach(),
): (extra?: Partial<ClientSpec>, serverOptions?: MockServerOptions) => Promise<PipelineEnv> {
  return (extra = {}, serverOptions = {}) =>
    make((s) => ({ children: [client(s, name, extra)] }), serverOptions);
}

/** An OpenAI client on `server` with fast retries; `extra` overrides anything. */
export function client(server: MockServer, name: string, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name,
    provider: "openai",
    model: "mock-model",
    baseURL: server.baseURL,
    apiKey: "sk-test-pipeline",
    retry: FAST_RETRY,
    ...extra,
  };
}

/** Records every event of `type` from now on. */
export function record<T extends SystemEventType>(system: System, type: T): EventOf<T>[] {
  const events: EventOf<T>[] = [];
  system.on(type, (event) => events.push(event));
  return events;
}

/** Records every event of any type from now on. */
export function recordAll(system: System): SystemEvent[] {
  const events: SystemEvent[] = [];
  system.on("*", (event) => events.push(event));
  return events;
}

/** Resolves with the next event of `type` matching `predicate` (the harness's `nextEvent`). */
export const next = nextEvent;

/** The rejection of `promise`; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection, got a reply");
}

/** The snapshot node of client `name`. */
export function nodeOf(system: System, name: string): NodeSnapshot {
  const find = (node: NodeSnapshot): NodeSnapshot | undefined =>
    node.name === name ? node : node.children?.map(find).find((n) => n !== undefined);
  const node = find(system.inspect());
  if (node === undefined) throw new Error(`no node ${name}`);
  return node;
}

/** The stats of client `name`, as `inspect()` shows them. */
export function statsOf(system: System, name: string): ClientStats {
  const stats = nodeOf(system, name).stats;
  if (stats === undefined) throw new Error(`${name} has no stats`);
  return stats;
}

/** A one-message conversation with its own text (so each gets its own cache entry). */
export function ask(text: string) {
  return [{ role: "user" as const, content: text }];
}
