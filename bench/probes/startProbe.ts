/**
 * Measures, in a fresh process, how long `n` workers take to be ready: `dspex` (a system of n clients
 * with the options users get by default) or `bare` (n echo workers, the floor for any thread, each
 * ready once it answered one message). For dspex it also times the first reply of every client (one
 * cache-miss call to each, all at once) after ready. Prints one JSON line: {@link StartProbeResult}.
 *
 *   node dist/bench/probes/startProbe.js dspex 10 http://127.0.0.1:PORT/v1
 */
import { performance } from "node:perf_hooks";
import { readyEchoWorkers } from "../lib/bareWorkers.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { messagesFor } from "../lib/payload.js";

/** What the probe prints. */
export interface StartProbeResult {
  kind: "dspex" | "bare";
  n: number;
  /** From the first spawn (or `createSystem`) until every worker is ready, in ms. */
  readyMs: number;
  /** dspex only: from `createSystem` until every client has answered one call, in ms. */
  firstReplyMs?: number;
  /** CPU time of the whole process (every thread) until ready, in ms. */
  cpuMs: number;
}

const [kind, nRaw, baseURL = "http://127.0.0.1:9/v1"] = process.argv.slice(2);
const n = Number(nRaw);
if ((kind !== "dspex" && kind !== "bare") || !Number.isInteger(n) || n < 1) {
  throw new Error("usage: startProbe.js dspex|bare N [baseURL]");
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let result: StartProbeResult;
if (kind === "dspex") {
  const names = Array.from({ length: n }, (_, i) => `c${i}`);
  const system = await benchSystem(names.map((name) => benchClient(name, baseURL)));
  const readyMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(names.map((name, i) => system.call(name, messagesFor(i, true), { temperature: 0 })));
  const firstReplyMs = performance.now() - t0;
  result = { kind, n, readyMs, firstReplyMs, cpuMs: (cpu.user + cpu.system) / 1_000 };
  await system.stop();
} else {
  const workers = await readyEchoWorkers(n);
  const readyMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  result = { kind, n, readyMs, cpuMs: (cpu.user + cpu.system) / 1_000 };
  await Promise.all(workers.map((w) => w.terminate()));
}
process.stdout.write(`${JSON.stringify(result)}\n`);
