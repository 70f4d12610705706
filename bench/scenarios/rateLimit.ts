/**
 * Scenario 8, rate limit: the mock enforces 600 requests and 60,000 tokens per "minute" per key, like a
 * vendor (x-ratelimit-* headers, 429 with retry-after), and 1,000 calls are offered at once. dspex with
 * no configuration (its rate gate learns the limit from the headers) against the official `openai` SDK
 * (its own retries: 2, honouring retry-after) on the same server, one after the other, each with a
 * fresh key budget.
 *
 * The "minute" is scaled down by the mock's `windowMs` (6 s in a full run: 600 per 6 s, the same
 * shape ten times faster; the quick run scales further) so the run stays short. The tokens limit does
 * not bind here (each call is ~20 tokens). Figures per contender: throughput as a fraction of what the
 * limit allows over the run's own duration (the bucket holds `rpm` at the start and refills `rpm` per
 * window, so a run of T ms may complete at most `rpm + rpm * T / window` calls; goal >= 0.95), the
 * share of requests answered 429 (goal <= 1 %), p99 latency, and calls failed.
 */
import OpenAI from "openai";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { LatencyHistogram } from "../lib/histogram.js";
import { errorCode } from "../lib/load.js";
import { type MockProcess, startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { BENCH_API_KEY, MODEL, messagesFor } from "../lib/payload.js";
import { heading, note } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "rate limit";

interface Burst {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  elapsedMs: number;
  p99Ms: number;
  requests: number;
  refused: number;
}

/** Offers `calls` calls at once and waits for every one to settle. */
async function burst(
  server: MockProcess,
  calls: number,
  call: (seq: number) => Promise<unknown>,
): Promise<Burst> {
  await server.resetStats();
  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: calls }, (_, seq) => {
      const t0 = performance.now();
      return call(seq).then(
        () => {
          ok++;
          histogram.record(performance.now() - t0);
        },
        (error: unknown) => {
          const code = errorCode(error);
          errors[code] = (errors[code] ?? 0) + 1;
        },
      );
    }),
  );
  const elapsedMs = performance.now() - started;
  const stats = await server.stats();
  return {
    ok,
    failed: calls - ok,
    errors,
    elapsedMs,
    p99Ms: histogram.summary().p99Ms,
    requests: stats.requests,
    refused: stats.byStatus[429] ?? 0,
  };
}

/** See the file comment. */
export const rateLimit: Scenario = {
  name: "rate-limit",
  title: "8. Rate limit: 600 rpm / 60k tpm (window scaled), 1,000 calls at once, no configuration",
  run: async (o: BenchOptions) => {
    heading(rateLimit.title);
    const rpm = o.quick ? 120 : 600;
    const tpm = o.quick ? 12_000 : 60_000;
    const windowMs = o.quick ? 1_200 : 6_000;
    const calls = o.quick ? 200 : 1_000;
    const limits = { rpm, tpm, windowMs };
    note(
      `mock limit: ${rpm} requests and ${tpm} tokens per ${windowMs} ms per key; ${calls} calls offered at once`,
    );
    const server = await startMockProcess(0);
    const results: Record<string, Burst> = {};
    try {
      await server.setLimits(limits);
      const system = await benchSystem([benchClient("limited", server.baseURL, { cache: false })]);
      try {
        results.dspex = await burst(server, calls, (seq) =>
          system.call("limited", messagesFor(seq, true), { temperature: 0 }),
        );
      } finally {
        await system.stop();
      }
      note(`dspex: ${JSON.stringify(results.dspex)}`);
      await server.setLimits(limits);
      const sdk = new OpenAI({ apiKey: BENCH_API_KEY, baseURL: server.baseURL });
      results.openai = await burst(server, calls, (seq) =>
        sdk.chat.completions.create({
          model: MODEL,
          messages: messagesFor(seq, true) as OpenAI.Chat.ChatCompletionMessageParam[],
          temperature: 0,
        }),
      );
      note(`openai SDK: ${JSON.stringify(results.openai)}`);
    } finally {
      await server.close();
    }
    const rows: Row[] = [];
    const allowed = (b: Burst) => rpm + (rpm * b.elapsedMs) / windowMs;
    for (const [key, label] of [
      ["dspex", "dspex, no configuration"],
      ["openai", "openai SDK (2 retries)"],
    ] as const) {
      const b = results[key] as Burst;
      const detail = `${b.ok} ok in ${Math.round(b.elapsedMs)} ms; ${b.refused} of ${b.requests} requests answered 429; failed ${JSON.stringify(b.errors)}`;
      rows.push(
        row(
          NAME,
          `${label}: completed / allowed by the limit`,
          b.ok / allowed(b),
          "x",
          undefined,
          key === "dspex" ? { op: ">=", value: 0.95, on: "value" } : undefined,
          detail,
        ),
        row(
          NAME,
          `${label}: share of requests answered 429`,
          (100 * b.refused) / Math.max(1, b.requests),
          "%",
          undefined,
          key === "dspex" ? { op: "<", value: 1.0001, on: "value" } : undefined,
        ),
        row(NAME, `${label}: p99 latency`, b.p99Ms, "ms"),
        row(
          NAME,
          `${label}: calls failed`,
          b.failed,
          "calls",
          undefined,
          key === "dspex" ? { op: "==", value: 0, on: "value" } : undefined,
        ),
      );
    }
    return { rows, data: { limits, calls, results } };
  },
};
