/**
 * What a chaos run is made of: its sizes (full and `--quick`), the supervision tree it runs, the faults
 * the mock server injects, and the seeded randomness that picks them. Shared by the driver (run.ts)
 * and the host process (host.ts).
 */
import { parseArgs } from "node:util";
import type { Fault } from "../../mock/types.js";
import type { ClientSpec, SystemSpec } from "../../src/types.js";

/** The sizes and rates of one run. */
export interface ChaosOptions {
  quick: boolean;
  calls: number;
  streams: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Streams read at once. */
  streamConcurrency: number;
  /** Mean pause between two worker kills, ms. */
  killEveryMs: number;
  /** Mean pause between two scripted faults, ms. */
  faultEveryMs: number;
  /** Share of upstream requests the mock server is told to fault (at most). */
  faultRatio: number;
  /** A call's deadline (`timeoutMs`), ms. */
  callTimeoutMs: number;
  seed: number;
}

const FULL: Omit<ChaosOptions, "quick" | "seed"> = {
  calls: 50_000,
  streams: 500,
  concurrency: 256,
  streamConcurrency: 16,
  killEveryMs: 500,
  faultEveryMs: 20,
  faultRatio: 0.15,
  callTimeoutMs: 8_000,
};

const QUICK: Omit<ChaosOptions, "quick" | "seed"> = {
  calls: 6_000,
  streams: 120,
  concurrency: 128,
  streamConcurrency: 8,
  killEveryMs: 1_000,
  faultEveryMs: 20,
  faultRatio: 0.15,
  callTimeoutMs: 8_000,
};

/** `npm run chaos -- --help`. */
export const USAGE = `npm run chaos [-- options]
  --quick              small run (CI): ${QUICK.calls} calls, ${QUICK.streams} streams
  --calls N            calls (full: ${FULL.calls})
  --streams N          streams (full: ${FULL.streams})
  --concurrency N      calls in flight (full: ${FULL.concurrency})
  --kill-every-ms N    mean pause between worker kills (${FULL.killEveryMs})
  --fault-every-ms N   mean pause between scripted faults (${FULL.faultEveryMs})
  --fault-ratio X      share of upstream requests faulted, at most (${FULL.faultRatio})
  --seed N             random seed (default: the time)
Exits 1 when any call or stream hung, was lost, got another request's answer, or failed without a
dspex error code; when threads or handles outlive stop(); or when the host process does not exit.`;

/** Parses the command line; `undefined` for `--help`. */
export function parseChaosArgs(argv: string[]): ChaosOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean" },
      quick: { type: "boolean" },
      calls: { type: "string" },
      streams: { type: "string" },
      concurrency: { type: "string" },
      "kill-every-ms": { type: "string" },
      "fault-every-ms": { type: "string" },
      "fault-ratio": { type: "string" },
      seed: { type: "string" },
    },
  });
  if (values.help === true) return undefined;
  const quick = values.quick === true;
  const base = quick ? QUICK : FULL;
  const num = (text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${text}`);
    return n;
  };
  return {
    ...base,
    quick,
    calls: num(values.calls, base.calls),
    streams: num(values.streams, base.streams),
    concurrency: Math.max(1, num(values.concurrency, base.concurrency)),
    killEveryMs: Math.max(1, num(values["kill-every-ms"], base.killEveryMs)),
    faultEveryMs: Math.max(1, num(values["fault-every-ms"], base.faultEveryMs)),
    faultRatio: Math.min(1, num(values["fault-ratio"], base.faultRatio)),
    seed: num(values.seed, Date.now() % 2 ** 31),
  };
}

/** A small seeded generator (mulberry32): a run is repeatable from its seed, up to thread timing. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every fault the mock server knows, each in the forms the run injects (exhaustive by kind). */
export const FAULTS: { [K in Fault["kind"]]: Array<Extract<Fault, { kind: K }>> } = {
  status: [
    { kind: "status", status: 500 },
    { kind: "status", status: 502 },
    { kind: "status", status: 503 },
    { kind: "status", status: 529 },
    { kind: "status", status: 400 },
  ],
  rate_limit: [
    { kind: "rate_limit", retryAfterMs: 20 },
    { kind: "rate_limit", retryAfterSeconds: 0 },
    { kind: "rate_limit", insufficientQuota: true },
  ],
  drop: [{ kind: "drop" }],
  malformed: [{ kind: "malformed" }],
  stall: [{ kind: "stall" }],
  delay: [{ kind: "delay", ms: 300 }],
  stream_stall: [{ kind: "stream_stall", afterChunks: 2 }],
  stream_error: [{ kind: "stream_error", afterChunks: 1 }],
  stream_drop: [{ kind: "stream_drop", afterChunks: 2 }],
  endless_body: [{ kind: "endless_body", bytes: 4 * 1024 * 1024 }],
};

/** The faults as one list. */
export const ALL_FAULTS: Fault[] = Object.values(FAULTS).flat();

/** Client names, in start order. */
export const CLIENTS = ["c0", "c1", "c2", "c3", "c4", "c5"] as const;

/**
 * The tree: two clients under the root (`one_for_one`), two under `pool` (`rest_for_one`), and two
 * under `pool`'s own child `inner` (`one_for_all`); OpenAI and Anthropic wire formats alike. Restart
 * intensity is high, so random kills never make a supervisor give up: the run counts calls, not
 * give-ups (those have their own tests).
 */
export function chaosTree(baseURL: string, callTimeoutMs: number): SystemSpec {
  const client = (name: string, provider: "openai" | "anthropic"): ClientSpec => ({
    name,
    provider,
    model: "mock-model",
    baseURL,
    apiKey: "sk-chaos-0123456789abcdefghij",
    timeoutMs: callTimeoutMs,
    attemptTimeoutMs: 800,
    maxRedeliveries: 3,
    maxQueue: 10_000,
    maxResponseBytes: 1024 * 1024,
    shutdownTimeoutMs: 2_000,
    retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 1_000 },
    stream: { firstChunkTimeoutMs: 2_000, idleTimeoutMs: 1_000 },
    // The breaker is exercised, but recovers in well under a call's deadline.
    breaker: { failures: 10, halfOpenAfterMs: 200, maxHalfOpenAfterMs: 1_000 },
  });
  const intensity = { maxRestarts: 10_000, withinMs: 1_000 };
  return {
    strategy: "one_for_one",
    ...intensity,
    children: [
      client("c0", "openai"),
      client("c1", "anthropic"),
      {
        type: "supervisor",
        name: "pool",
        strategy: "rest_for_one",
        ...intensity,
        children: [
          client("c2", "openai"),
          client("c3", "anthropic"),
          {
            type: "supervisor",
            name: "inner",
            strategy: "one_for_all",
            ...intensity,
            children: [client("c4", "openai"), client("c5", "openai")],
          },
        ],
      },
    ],
  };
}
