/**
 * Starts the embedded mock server (`dspex/mock`) in a child process on 127.0.0.1 and steers it over
 * IPC: latency, scripted faults, counters. See servers/mockServer.ts for why it is a process.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import type { Fault, FaultOptions, MockLimits, MockStats } from "../../mock/types.js";
import { benchFile } from "./contender.js";

/** Bench -> server process. */
export type MockControl =
  | { type: "setLatency"; id: number; ms: number }
  | { type: "fault"; id: number; fault: Fault; options?: FaultOptions }
  | { type: "clearFaults"; id: number }
  | { type: "setLimits"; id: number; limits: MockLimits }
  | { type: "resetStats"; id: number }
  | { type: "stats"; id: number }
  | { type: "close"; id: number };

/** Server process -> bench. */
export type MockControlReply =
  | { type: "ready"; url: string; baseURL: string }
  | { type: "done"; id: number; stats: MockStats };

/** A control message before it is numbered (Omit distributed over the union). */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A mock server running in its own process. */
export interface MockProcess {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `${url}/v1`. */
  baseURL: string;
  setLatency(ms: number): Promise<void>;
  fault(fault: Fault, options?: FaultOptions): Promise<void>;
  clearFaults(): Promise<void>;
  /** Per-key rate limits, enforced like a vendor's (every key starts full). */
  setLimits(limits: MockLimits): Promise<void>;
  resetStats(): Promise<void>;
  stats(): Promise<MockStats>;
  close(): Promise<void>;
}

/** How the server process answers, beyond its latency. */
export interface MockProcessOptions {
  /** Every answer's text is this many characters (default: the mock's own one-line answer). */
  answerChars?: number;
}

/** Forks the server process and resolves once it listens. */
export async function startMockProcess(
  latencyMs = 0,
  options: MockProcessOptions = {},
): Promise<MockProcess> {
  const args = [String(latencyMs), String(options.answerChars ?? 0)];
  const child: ChildProcess = fork(benchFile("servers/mockServer.js"), args, {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, (stats: MockStats) => void>();
  let ready: (value: { url: string; baseURL: string }) => void = () => {};
  const readyPromise = new Promise<{ url: string; baseURL: string }>((resolve) => {
    ready = resolve;
  });
  child.on("message", (message: MockControlReply) => {
    if (message.type === "ready") ready(message);
    else {
      waiting.get(message.id)?.(message.stats);
      waiting.delete(message.id);
    }
  });
  const exited = once(child, "exit");
  const started = await Promise.race([
    readyPromise,
    exited.then(() => {
      throw new Error("the mock server process exited before it listened");
    }),
  ]);
  let nextId = 1;
  const request = (message: WithoutId<MockControl>): Promise<MockStats> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) {
        reject(new Error("the mock server process is gone"));
        return;
      }
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ ...message, id });
    });
  let closing: Promise<void> | undefined;
  return {
    url: started.url,
    baseURL: started.baseURL,
    setLatency: async (ms) => {
      await request({ type: "setLatency", ms });
    },
    fault: async (fault, options) => {
      await request(options === undefined ? { type: "fault", fault } : { type: "fault", fault, options });
    },
    clearFaults: async () => {
      await request({ type: "clearFaults" });
    },
    setLimits: async (limits) => {
      await request({ type: "setLimits", limits });
    },
    resetStats: async () => {
      await request({ type: "resetStats" });
    },
    stats: () => request({ type: "stats" }),
    close: () => {
      closing ??= (async () => {
        if (child.exitCode === null && child.connected) child.disconnect();
        await exited;
      })();
      return closing;
    },
  };
}
