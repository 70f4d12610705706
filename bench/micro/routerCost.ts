/**
 * Where a router's throughput gap comes from (scenario 10, "router overhead"): the same closed-loop load
 * of cache misses against the same 0 ms mock process, in three shapes, run in alternation:
 *
 * - `one`: one client (one worker), the direct baseline;
 * - `pair`: two clients, the caller alternating between them by hand (two workers, no router);
 * - `rr`: a `round_robin` router over two clients (two workers and the router).
 *
 * `rr` against `pair` is the router's own cost; `pair` against `one` is the cost of a second worker.
 * Per call it prints CPU of the main thread, of the process's other threads (the workers, libuv and
 * V8's helpers), and of the mock's process; `postMessage`s each way (how many calls a batch carries);
 * and context switches of this process and of the mock. CPU per call barely moves with other load on
 * the machine; calls/s does (read it only on a quiet machine). Medians over the rounds.
 *
 *   npm run build && node dist/bench/micro/routerCost.js [calls per round] [in flight] [rounds]
 *
 * Defaults: 20,000 calls, 256 in flight, 5 rounds. Linux only (reads /proc).
 */
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { System } from "../../src/index.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { startMockProcess } from "../lib/mockProcess.js";
import { messagesFor } from "../lib/payload.js";

const CALLS = Number(process.argv[2] ?? 20_000);
const IN_FLIGHT = Number(process.argv[3] ?? 256);
const ROUNDS = Number(process.argv[4] ?? 5);
const TICK_US = 10_000; // USER_HZ = 100

/** Messages each way across every worker boundary, counted by wrapping `Worker`'s own methods. */
const wire = { toWorker: 0, toWorkerCalls: 0, fromWorker: 0, fromWorkerMessages: 0 };
const size = (message: unknown): number => {
  const m = message as { type?: string; messages?: unknown[] };
  return m?.type === "batch" && Array.isArray(m.messages) ? m.messages.length : 1;
};
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: never) {
  wire.toWorker++;
  wire.toWorkerCalls += size(message);
  return post.call(this, message, transfer);
};
const emit = Worker.prototype.emit;
Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
  if (event === "message") {
    wire.fromWorker++;
    wire.fromWorkerMessages += size(args[0]);
  }
  return emit.call(this, event, ...args);
};

/** utime + stime of one task or process, in µs, and its context switches. */
function taskFigures(dir: string): { cpuUs: number; switches: number } {
  const stat = readFileSync(`${dir}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`${dir}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return {
    cpuUs: (Number(f[11]) + Number(f[12])) * TICK_US,
    switches: field("voluntary_ctxt_switches") + field("nonvoluntary_ctxt_switches"),
  };
}

interface Reading {
  mainUs: number;
  otherUs: number;
  mockUs: number;
  switches: number;
  mockSwitches: number;
}

function read(mockPid: number): Reading {
  let mainUs = 0;
  let otherUs = 0;
  let switches = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const t = taskFigures(`/proc/self/task/${tid}`);
      if (Number(tid) === process.pid) mainUs = t.cpuUs;
      else otherUs += t.cpuUs;
      switches += t.switches;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  // The mock's process as a whole (utime + stime of the process line count its threads).
  const mock = taskFigures(`/proc/${mockPid}`);
  return { mainUs, otherUs, mockUs: mock.cpuUs, switches, mockSwitches: mockThreads(mockPid) };
}

function mockThreads(pid: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) n += taskFigures(`/proc/${pid}/task/${tid}`).switches;
  return n;
}

/** The mock's pid: the one child process of this one. */
function childPid(): number {
  const children = readFileSync(`/proc/self/task/${process.pid}/children`, "utf8").trim().split(/\s+/);
  const pid = Number(children[children.length - 1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error("no mock process found");
  return pid;
}

type Call = (seq: number) => Promise<unknown>;

let seq = 0;
async function closedLoop(call: Call, n: number): Promise<void> {
  let left = n;
  const lane = async (): Promise<void> => {
    while (left-- > 0) await call(seq++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

interface Round {
  callsPerSec: number;
  mainUs: number;
  otherUs: number;
  mockUs: number;
  switches: number;
  mockSwitches: number;
  callsPerPostToWorker: number;
  messagesPerPostFromWorker: number;
}

async function measure(call: Call, mockPid: number): Promise<Round> {
  const w0 = { ...wire };
  const r0 = read(mockPid);
  const t0 = performance.now();
  await closedLoop(call, CALLS);
  const ms = performance.now() - t0;
  const r1 = read(mockPid);
  const per = (a: number, b: number) => (b - a) / CALLS;
  return {
    callsPerSec: (CALLS * 1_000) / ms,
    mainUs: per(r0.mainUs, r1.mainUs),
    otherUs: per(r0.otherUs, r1.otherUs),
    mockUs: per(r0.mockUs, r1.mockUs),
    switches: per(r0.switches, r1.switches),
    mockSwitches: per(r0.mockSwitches, r1.mockSwitches),
    callsPerPostToWorker: (wire.toWorkerCalls - w0.toWorkerCalls) / (wire.toWorker - w0.toWorker),
    messagesPerPostFromWorker:
      (wire.fromWorkerMessages - w0.fromWorkerMessages) / (wire.fromWorker - w0.fromWorker),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

const server = await startMockProcess(0);
const mockPid = childPid();
const settings = { maxConcurrency: IN_FLIGHT, maxQueue: IN_FLIGHT * 4 };
const system: System = await benchSystem([
  benchClient("one", server.baseURL, settings),
  benchClient("left", server.baseURL, settings),
  benchClient("right", server.baseURL, settings),
  { type: "router", name: "rr", strategy: "round_robin", members: ["left", "right"] },
]);
const ask = (name: string, n: number) => system.call(name, messagesFor(n, true), { temperature: 0 });
const shapes: [string, Call][] = [
  ["one", (n) => ask("one", n)],
  ["pair", (n) => ask(n % 2 === 0 ? "left" : "right", n)],
  ["rr", (n) => ask("rr", n)],
];
const results = new Map<string, Round[]>(shapes.map(([name]) => [name, []]));
try {
  // Warm every worker's JIT and sockets first (each shape warms the workers it uses).
  for (const [, call] of shapes) await closedLoop(call, 8_000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of shapes) results.get(name)?.push(await measure(call, mockPid));
  }
} finally {
  await system.stop();
  await server.close();
}

const columns: [keyof Round, string, number][] = [
  ["callsPerSec", "calls/s", 0],
  ["mainUs", "main µs", 1],
  ["otherUs", "workers µs", 1],
  ["mockUs", "mock µs", 1],
  ["switches", "ctx sw", 2],
  ["mockSwitches", "mock sw", 2],
  ["callsPerPostToWorker", "calls/post", 1],
  ["messagesPerPostFromWorker", "replies/post", 1],
];
process.stdout.write(
  `${CALLS} calls x ${ROUNDS} rounds, ${IN_FLIGHT} in flight; per call, medians\n` +
    `${"shape".padEnd(6)}${columns.map(([, label]) => label.padStart(13)).join("")}\n`,
);
for (const [name, rounds] of results) {
  const cells = columns.map(([key, , digits]) =>
    median(rounds.map((r) => r[key]))
      .toFixed(digits)
      .padStart(13),
  );
  process.stdout.write(`${name.padEnd(6)}${cells.join("")}\n`);
}
