/**
 * Scenario 12, embeddings: one request of N inputs (1,000 by default, `--embed-inputs`) at 1,536
 * dimensions (OpenAI text-embedding-3-small's), dspex beside the official `openai` SDK
 * (`embeddings.create`, base64 decoded by the SDK, retries off) against the same mock server in its own
 * process. Rounds alternate the contenders; each figure is the median round.
 *
 * - Uncached: new inputs every round; both send one request (N <= 2,048) and decode N vectors. dspex's
 *   round includes the worker hop and the transfer of the vectors to the main thread.
 * - Cached: the same inputs again: dspex answers from its per-input cache (no request), the SDK, which
 *   has no cache, sends the request again.
 * Figures are inputs per second (higher is better); the detail gives the round's wall time and the
 * main thread's CPU time, which barely moves with the machine's load.
 */
import OpenAI from "openai";
import { mainThreadCpu } from "../lib/cpu.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { BENCH_API_KEY, MODEL } from "../lib/payload.js";
import { heading, note } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "embeddings";
const DIMENSIONS = 1536;

/** One timed round: wall and main-thread CPU milliseconds. */
interface Timed {
  wallMs: number;
  cpuMs: number;
}

async function timed(run: () => Promise<unknown>): Promise<Timed> {
  const cpu = mainThreadCpu();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  return { wallMs, cpuMs: (mainThreadCpu().micros - cpu.micros) / 1_000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function summary(rounds: Timed[]): Timed {
  return { wallMs: median(rounds.map((r) => r.wallMs)), cpuMs: median(rounds.map((r) => r.cpuMs)) };
}

/** The inputs of round `round`: distinct texts of a few words, new each round. */
function inputsOf(round: number, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `passage ${round}-${i}: the quick brown fox jumps over the lazy dog`,
  );
}

/** See the file comment. */
export const embeddings: Scenario = {
  name: "embeddings",
  title: "12. Embeddings: one request of N inputs, cached and uncached, dspex vs the openai SDK",
  run: async (o: BenchOptions) => {
    heading(embeddings.title);
    const n = o.embedInputs;
    const rounds = Math.max(3, o.rounds * 2 + 1);
    const server = await startMockProcess(0);
    const system = await benchSystem([
      benchClient("emb", server.baseURL, { cache: { maxEntries: n * (rounds + 2) } }),
    ]);
    const sdk = new OpenAI({ apiKey: BENCH_API_KEY, baseURL: server.baseURL, maxRetries: 0 });
    const dspexEmbed = async (inputs: string[]) => {
      const reply = await system.embed("emb", inputs, { dimensions: DIMENSIONS });
      if (reply.vectors.length !== n || reply.vectors[0]?.length !== DIMENSIONS)
        throw new Error("bad dspex reply");
      return reply;
    };
    const sdkEmbed = async (inputs: string[]) => {
      const res = await sdk.embeddings.create({ model: MODEL, input: inputs, dimensions: DIMENSIONS });
      if (res.data.length !== n || res.data[0]?.embedding.length !== DIMENSIONS)
        throw new Error("bad SDK reply");
      return res;
    };
    const result = { dspexUncached: [] as Timed[], dspexCached: [] as Timed[], sdk: [] as Timed[] };
    try {
      // Warm-up: sockets, JIT, the worker's pool.
      await dspexEmbed(inputsOf(-1, n));
      await sdkEmbed(inputsOf(-2, n));
      for (let round = 0; round < rounds; round++) {
        const inputs = inputsOf(round, n);
        const uncached = await timed(() => dspexEmbed(inputs));
        const cached = await timed(async () => {
          const reply = await dspexEmbed(inputs);
          if (reply.cachedInputs !== n) throw new Error("the second request was not served from the cache");
        });
        const peer = await timed(() => sdkEmbed(inputsOf(round + 1_000, n)));
        result.dspexUncached.push(uncached);
        result.dspexCached.push(cached);
        result.sdk.push(peer);
        note(
          `  round ${round + 1}: dspex ${uncached.wallMs.toFixed(1)} ms (cached ${cached.wallMs.toFixed(2)} ms), openai SDK ${peer.wallMs.toFixed(1)} ms`,
        );
      }
    } finally {
      await system.stop();
      await server.close();
    }
    const u = summary(result.dspexUncached);
    const c = summary(result.dspexCached);
    const s = summary(result.sdk);
    const perSecond = (t: Timed) => (n * 1_000) / t.wallMs;
    const detail = (t: Timed) =>
      `${t.wallMs.toFixed(1)} ms per request, main-thread CPU ${t.cpuMs.toFixed(1)} ms`;
    return {
      rows: [
        row(
          NAME,
          `dspex embed, ${n} inputs x ${DIMENSIONS} dims, uncached (one request)`,
          perSecond(u),
          "inputs/s",
          { label: "openai SDK", value: perSecond(s) },
          { op: ">=", value: 0.9 },
          `dspex ${detail(u)}; SDK ${detail(s)}`,
        ),
        row(
          NAME,
          `dspex embed, ${n} inputs x ${DIMENSIONS} dims, every input cached`,
          perSecond(c),
          "inputs/s",
          { label: "openai SDK (no cache: sends again)", value: perSecond(s) },
          { op: ">=", value: 1 },
          `dspex ${detail(c)}; SDK ${detail(s)}`,
        ),
      ],
      data: { inputs: n, dimensions: DIMENSIONS, rounds: result },
    };
  },
};
