/**
 * Large answers: every call a cache miss whose answer carries 20 KB or 100 KB of text, at 64 in flight,
 * beside undici's `Pool.request` (the ceiling) and the official openai SDK (retries off), all from one
 * mock server per size. A large answer is where the worker hop pays by the byte: the reply is cloned
 * across the thread boundary and the main thread deserializes it, and the retained replies drive
 * garbage collection. Figures: dspex throughput as a ratio to undici, and main-thread CPU per call of
 * all three, dspex's as a ratio to the SDK's. Targets at 20 KB: >= 0.8 of undici; dspex main-thread CPU
 * per call <= 0.03x the SDK's (at every size).
 */
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { openaiSdk, undiciPool } from "../lib/httpPeers.js";
import { type LoadResult, medianRound } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import { interleavedRounds, latencyCpuNote as lat } from "../lib/rounds.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "large answers";

/** The medians of one answer size. */
interface SizeResult {
  kb: number;
  medians: Record<string, LoadResult>;
  rounds: Record<string, LoadResult[]>;
}

async function measureSize(o: BenchOptions, kb: number): Promise<SizeResult> {
  const n = o.answerInFlight;
  const server = await startMockProcess(0, { answerChars: kb * 1_000 });
  const system = await benchSystem([
    benchClient("large", server.baseURL, { maxConcurrency: n, maxQueue: n * 4 }),
  ]);
  const contenders: Record<string, Contender> = {
    undici: undiciPool(server.baseURL),
    dspex: dspexCaller(system, "large", "dspex call (cache miss)", true),
    openai: openaiSdk(server.baseURL),
  };
  let rounds: Record<string, LoadResult[]>;
  try {
    // Interleaved rounds; each figure is the median of its rounds.
    rounds = await interleavedRounds(contenders, o, n, (c) => `${c.label}, ${kb} KB`);
  } finally {
    await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
    await server.close();
  }
  const medians = Object.fromEntries(Object.entries(rounds).map(([k, list]) => [k, medianRound(list)]));
  return { kb, medians, rounds };
}

function sizeRows(n: number, { kb, medians }: SizeResult): Row[] {
  const undici = medians.undici as LoadResult;
  const dspex = medians.dspex as LoadResult;
  const sdk = medians.openai as LoadResult;
  const what = `${kb} KB answers, ${n} in flight`;
  const sdkCpu = { label: "openai SDK", value: sdk.mainCpuPerCallUs };
  return [
    row(
      NAME,
      `dspex call, ${what}`,
      dspex.throughput,
      "calls/s",
      { label: "undici Pool.request", value: undici.throughput },
      kb === 20 ? { op: ">=", value: 0.8 } : undefined,
      lat(dspex),
    ),
    row(
      NAME,
      `undici Pool.request, ${what}`,
      undici.throughput,
      "calls/s",
      undefined,
      undefined,
      lat(undici),
    ),
    row(
      NAME,
      `openai SDK, ${what}`,
      sdk.throughput,
      "calls/s",
      { label: "undici Pool.request", value: undici.throughput },
      undefined,
      lat(sdk),
    ),
    row(NAME, `main-thread CPU per call, dspex, ${kb} KB`, dspex.mainCpuPerCallUs, "µs", sdkCpu, {
      op: "<=",
      value: 0.03,
    }),
    row(NAME, `main-thread CPU per call, undici, ${kb} KB`, undici.mainCpuPerCallUs, "µs", sdkCpu),
    row(NAME, `main-thread CPU per call, openai SDK, ${kb} KB`, sdk.mainCpuPerCallUs, "µs"),
  ];
}

/** See the file comment. */
export const largeAnswers: Scenario = {
  name: "large-answers",
  title: "Large answers: 20 KB and 100 KB cache misses beside undici and the openai SDK",
  run: async (o: BenchOptions) => {
    heading(largeAnswers.title);
    const sizes: SizeResult[] = [];
    for (const kb of o.answerKb) sizes.push(await measureSize(o, kb));
    return {
      rows: sizes.flatMap((s) => sizeRows(o.answerInFlight, s)),
      data: { inFlight: o.answerInFlight, sizes },
    };
  },
};
