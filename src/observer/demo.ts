/**
 * The observer demo (`dspex-observe`): a small tree against the embedded mock LLM server, with steady
 * traffic (repeated questions, so the cache hits; some streams), a flaky upstream that opens its
 * breaker now and then, and a worker killed every few seconds, so every part of the page moves.
 * Loopback only; no API key is real.
 */
import { type MockServer, startMockServer } from "../../mock/index.js";
import { createSystem, type System } from "../System.js";

/** A running demo. */
export interface ObserverDemo {
  system: System;
  server: MockServer;
  /** The observer page's URL (token included). */
  url: string;
  /** Stops the traffic, the system, the observer and the mock server. */
  stop(): Promise<void>;
}

const QUESTIONS = Array.from({ length: 24 }, (_, i) => `Question ${i}: what does a supervisor do?`);

/** Starts the demo; the observer listens on `port` (0: any free port). */
export async function startObserverDemo(port = 0): Promise<ObserverDemo> {
  const server = await startMockServer({ latencyMs: 40, chunkDelayMs: 15, chunkSize: 4 });
  // Typed `System` (names as strings): the traffic below picks client names at run time.
  const system: System = await createSystem({
    strategy: "one_for_one",
    maxRestarts: 50,
    withinMs: 10_000,
    children: [
      { name: "gpt4o", provider: "openai", model: "gpt-4o-mini", baseURL: server.baseURL, apiKey: "sk-demo" },
      {
        name: "claude",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        baseURL: server.baseURL,
        apiKey: "sk-ant-demo",
      },
      {
        type: "supervisor",
        name: "local",
        strategy: "rest_for_one",
        maxRestarts: 50,
        withinMs: 10_000,
        children: [
          {
            name: "fast",
            provider: "openai",
            model: "mock-fast",
            baseURL: server.baseURL,
            apiKey: "sk-demo",
          },
          {
            name: "flaky",
            provider: "openai",
            model: "mock-flaky",
            baseURL: server.baseURL,
            apiKey: "sk-demo",
            breaker: { failures: 3, halfOpenAfterMs: 4_000 },
            retry: { maxRetries: 1, initialDelayMs: 50, maxDelayMs: 100 },
          },
        ],
      },
    ],
  });
  const observer = await system.observe({ port });
  const clients = ["gpt4o", "claude", "fast", "flaky"];
  let n = 0;
  const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const traffic = setInterval(() => {
    if (system.state !== "running") return;
    const name = pick(clients);
    const messages = [{ role: "user" as const, content: pick(QUESTIONS) }];
    if (++n % 10 === 0) {
      void (async () => {
        for await (const _ of system.stream(name, messages)) {
          // drained: the stream's figures are what the page shows
        }
      })().catch(() => undefined);
    } else {
      system.call(name, messages).catch(() => undefined);
    }
  }, 25);
  let flakyDown = false;
  const faults = setInterval(() => {
    flakyDown = !flakyDown;
    if (flakyDown) server.fault({ kind: "status", status: 503 }, { model: "mock-flaky" });
    else server.clearFaults();
  }, 6_000);
  const kills = setInterval(() => {
    if (system.state === "running") system.kill(pick(clients)).catch(() => undefined);
  }, 7_000);
  for (const timer of [traffic, faults, kills]) timer.unref();
  return {
    system,
    server,
    url: observer.url,
    stop: async () => {
      clearInterval(traffic);
      clearInterval(faults);
      clearInterval(kills);
      await system.stop();
      await server.close();
    },
  };
}
