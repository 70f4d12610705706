/**
 * Flags and environment of `npm run bench`. Every size has a full default (a few minutes on two
 * cores) and a `--quick` default (seconds: CI proves the benchmarks still run, never how fast).
 * A flag beats its environment variable, which beats the mode's default.
 */
import { parseArgs } from "node:util";

/** The scenarios, in the order they run. */
export const SCENARIOS = [
  "cache-hits",
  "cache-misses",
  "one-call",
  "large-answers",
  "latency",
  "event-loop",
  "clients",
  "restart",
  "breaker",
  "memory",
  "startup",
  "telemetry",
  "rate-limit",
  "fallback",
  "router",
  "embeddings",
] as const;

/** One scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything a run is parameterized by. */
export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  /** Measured window per point, ms. */
  durationMs: number;
  /** Warm-up per point, ms. */
  warmupMs: number;
  /** Calls each worker (client or ceiling) must have answered before a window opens: JIT and sockets warm. */
  warmupCalls: number;
  /** Interleaved rounds per point in scenarios 1 and 2; each figure is the median round. */
  rounds: number;
  hitsInFlight: number[];
  missesInFlight: number[];
  /** Large answers: answer sizes, in KB of text (1,000 characters). */
  answerKb: number[];
  /** Large answers: calls in flight. */
  answerInFlight: number;
  latencyMs: number;
  latencyInFlight: number;
  /** Event loop: calls in flight. */
  loopInFlight: number;
  /** Event loop: the server's latency, ms. */
  loopLatencyMs: number;
  clients: number[];
  /** Total calls in flight shared by the clients of the many-clients scenario. */
  clientsInFlight: number;
  kills: number;
  memoryClients: number[];
  /** Inputs of one `embed` request in the embeddings scenario. */
  embedInputs: number;
  /** Client counts of the startup scenario (each beside as many bare workers). */
  startClients: number[];
  /** Fresh-process rounds per point of the startup scenario (median kept). */
  startRounds: number;
  /** Write docs/benchmarks.md's table and the chart (default: on for a full run of every scenario). */
  writeDocs: boolean;
  /** Run every scenario in this process (default: two or more scenarios run each in a process of its own). */
  inProcess: boolean;
}

const FLAGS = {
  quick: { type: "boolean", env: "BENCH_QUICK", help: "small sizes, seconds in all (CI smoke)" },
  scenario: { type: "string", env: "BENCH_SCENARIO", help: `comma list of: ${SCENARIOS.join(", ")}` },
  duration: { type: "string", env: "BENCH_DURATION_MS", help: "measured window per point, ms" },
  warmup: { type: "string", env: "BENCH_WARMUP_MS", help: "warm-up per point, ms" },
  "warmup-calls": {
    type: "string",
    env: "BENCH_WARMUP_CALLS",
    help: "calls per worker before measuring (at least)",
  },
  rounds: { type: "string", env: "BENCH_ROUNDS", help: "rounds per point in scenarios 1-2 (median kept)" },
  "hits-inflight": {
    type: "string",
    env: "BENCH_HITS_INFLIGHT",
    help: "cache hits: calls in flight, comma list",
  },
  "misses-inflight": {
    type: "string",
    env: "BENCH_MISSES_INFLIGHT",
    help: "cache misses: calls in flight, comma list",
  },
  "answer-kb": {
    type: "string",
    env: "BENCH_ANSWER_KB",
    help: "large answers: answer sizes in KB, comma list",
  },
  "answer-inflight": {
    type: "string",
    env: "BENCH_ANSWER_INFLIGHT",
    help: "large answers: calls in flight",
  },
  "latency-ms": { type: "string", env: "BENCH_LATENCY_MS", help: "latency-bound: server latency, ms" },
  "latency-inflight": {
    type: "string",
    env: "BENCH_LATENCY_INFLIGHT",
    help: "latency-bound: calls in flight",
  },
  "loop-inflight": { type: "string", env: "BENCH_LOOP_INFLIGHT", help: "event loop: calls in flight" },
  "loop-latency-ms": {
    type: "string",
    env: "BENCH_LOOP_LATENCY_MS",
    help: "event loop: server latency, ms",
  },
  clients: { type: "string", env: "BENCH_CLIENTS", help: "many clients: client counts, comma list" },
  "clients-inflight": {
    type: "string",
    env: "BENCH_CLIENTS_INFLIGHT",
    help: "many clients: total calls in flight",
  },
  kills: { type: "string", env: "BENCH_KILLS", help: "restart: number of kills" },
  "memory-clients": {
    type: "string",
    env: "BENCH_MEMORY_CLIENTS",
    help: "memory: client counts, comma list",
  },
  "embed-inputs": {
    type: "string",
    env: "BENCH_EMBED_INPUTS",
    help: "embeddings: inputs per request",
  },
  "start-clients": {
    type: "string",
    env: "BENCH_START_CLIENTS",
    help: "startup: client counts, comma list",
  },
  "start-rounds": {
    type: "string",
    env: "BENCH_START_ROUNDS",
    help: "startup: rounds per point (median kept)",
  },
  "write-docs": { type: "boolean", env: "BENCH_WRITE_DOCS", help: "update docs/benchmarks.md and the chart" },
  "no-docs": { type: "boolean", env: "BENCH_NO_DOCS", help: "never touch docs/" },
  "in-process": {
    type: "boolean",
    env: "BENCH_IN_PROCESS",
    help: "run all scenarios in this process (default: each in its own)",
  },
  help: { type: "boolean", env: "", help: "this text" },
} as const;

/** The usage text of `--help`. */
export function usage(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, f]) => `  --${name.padEnd(18)} ${f.help}${f.env ? ` (env ${f.env})` : ""}`,
  );
  return `npm run bench -- [flags]\n${lines.join("\n")}`;
}

/** Parses argv and the environment; returns undefined when `--help` asked for the usage. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, { type: f.type }])),
    strict: true,
  });
  const value = (name: keyof typeof FLAGS): string | boolean | undefined => {
    const v = values[name];
    if (v !== undefined) return v;
    const e = FLAGS[name].env;
    const raw = e ? env[e] : undefined;
    if (raw === undefined || raw === "") return undefined;
    return FLAGS[name].type === "boolean" ? raw !== "0" && raw !== "false" : raw;
  };
  if (value("help") === true) return undefined;
  const quick = value("quick") === true;
  const list = (name: keyof typeof FLAGS, full: number[], small: number[]): number[] => {
    const raw = value(name);
    if (typeof raw !== "string") return quick ? small : full;
    return raw.split(",").map((s) => positiveInt(s.trim(), name));
  };
  const one = (name: keyof typeof FLAGS, full: number, small: number): number => {
    const raw = value(name);
    return typeof raw === "string" ? positiveInt(raw, name) : quick ? small : full;
  };
  const scenarioRaw = value("scenario");
  const scenarios =
    typeof scenarioRaw === "string"
      ? scenarioRaw.split(",").map((s) => scenarioName(s.trim()))
      : [...SCENARIOS];
  const everything = scenarios.length === SCENARIOS.length;
  return {
    quick,
    scenarios,
    durationMs: one("duration", 2_000, 300),
    warmupMs: one("warmup", 500, 100),
    warmupCalls: one("warmup-calls", 2_000, 100),
    rounds: one("rounds", 3, 1),
    hitsInFlight: list("hits-inflight", [1, 16, 256], [1, 16]),
    missesInFlight: list("misses-inflight", [64, 256], [16]),
    answerKb: list("answer-kb", [20, 100], [20, 100]),
    answerInFlight: one("answer-inflight", 64, 16),
    latencyMs: one("latency-ms", 200, 50),
    latencyInFlight: one("latency-inflight", 2_000, 100),
    loopInFlight: one("loop-inflight", 500, 100),
    loopLatencyMs: one("loop-latency-ms", 50, 50),
    clients: list("clients", [1, 2, 4, 8], [1, 2]),
    clientsInFlight: one("clients-inflight", 256, 32),
    kills: one("kills", 50, 3),
    memoryClients: list("memory-clients", [1, 10, 50], [1, 3]),
    embedInputs: one("embed-inputs", 1_000, 100),
    startClients: list("start-clients", [10, 50], [3]),
    startRounds: one("start-rounds", 5, 1),
    writeDocs: value("no-docs") === true ? false : value("write-docs") === true || (!quick && everything),
    inProcess: value("in-process") === true,
  };
}

function positiveInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${raw}"`);
  return n;
}

function scenarioName(raw: string): ScenarioName {
  if ((SCENARIOS as readonly string[]).includes(raw)) return raw as ScenarioName;
  throw new Error(`--scenario: unknown "${raw}"; pick from ${SCENARIOS.join(", ")}`);
}
