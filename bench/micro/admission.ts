/**
 * What admitting one call costs on the caller's thread, for the bench's chat request (system + user
 * message) and for a 20-message history with a tool list: the ways to take a call "as it is at
 * `call()` time" side by side, and the caller-stack capture.
 *
 *   npm run build && node dist/bench/micro/admission.js      # N=200000 by default
 *
 * - `check only`: the walk that checks the values without copying them (what admission did before:
 *   the caller's arrays were posted a microtask later, so changes made after `call()` were sent).
 * - `snapshot walk`: the walk that checks and copies (src/snapshot.ts; what admission does now).
 * - `check + structuredClone`: checking, then a structured clone (a Proxy would throw there).
 * - `caller stack`: `Error.captureStackTrace` on a small object (src/CallerStack.ts).
 *
 * Prints the fastest of 7 runs per way in ns per call, run in alternation so load hits all alike.
 */
import { CallerStack } from "../../src/CallerStack.js";
import type { ChatMessage } from "../../src/types.js";
import { takeMessages } from "../../src/validate.js";
import { messagesFor } from "../lib/payload.js";

const N = Number(process.env.ADMISSION_BENCH_N ?? 200_000);
const RUNS = 7;

/** The check-only walk (the shape of the former `validateMessages`): reads every value, copies none. */
function checkOnly(value: unknown, depth: number): void {
  if (value === null) return;
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new Error("bad");
      return;
    case "object":
      if (depth > 64) throw new Error("deep");
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkOnly(value[i], depth + 1);
        return;
      }
      for (const key in value) checkOnly((value as Record<string, unknown>)[key], depth + 1);
      return;
    default:
      throw new Error("bad");
  }
}

const long: ChatMessage[] = Array.from({ length: 20 }, (_, i) => ({
  role: i % 2 === 0 ? "user" : "assistant",
  content: `turn ${i}: ${"some words of a longer conversation ".repeat(4)}`,
}));
long.push({ role: "user", content: [{ type: "text", text: "and a part" }], name: "ann" });

const ways: [string, (m: ChatMessage[]) => unknown][] = [
  ["check only", (m) => checkOnly(m, 0)],
  ["snapshot walk", (m) => takeMessages(m)],
  [
    "check + structuredClone",
    (m) => {
      checkOnly(m, 0);
      return structuredClone(m);
    },
  ],
  [
    "caller stack",
    function capture() {
      return new CallerStack(capture);
    },
  ],
];

let sink: unknown;
for (const [label, messages] of [
  ["bench request (2 messages)", messagesFor(1, false)],
  ["history (21 messages)", long],
] as const) {
  const best = ways.map(() => Number.POSITIVE_INFINITY);
  for (let run = 0; run < RUNS; run++) {
    ways.forEach(([, fn], i) => {
      const t0 = process.hrtime.bigint();
      for (let n = 0; n < N; n++) sink = fn(messages);
      best[i] = Math.min(best[i] as number, Number(process.hrtime.bigint() - t0) / N);
    });
  }
  process.stdout.write(`${label}\n`);
  ways.forEach(([name], i) => {
    process.stdout.write(`  ${name.padEnd(26)} ${(best[i] as number).toFixed(0).padStart(6)} ns/call\n`);
  });
}
if (sink === undefined) process.stdout.write("");
