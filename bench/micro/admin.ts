/**
 * The admin port (comlink) against the hot path (hand-rolled protocol), one client, real threads:
 * sequential round trips of `system.admin(name).cacheInfo()` and of `system.call(name)` answered from
 * the worker's cache, then the same with every call issued at once (pipelined).
 *
 *   npm run build && node dist/bench/micro/admin.js            # N=2000 by default
 *   ADMIN_BENCH_N=5000 node dist/bench/micro/admin.js
 *
 * Prints the fastest of 5 runs in µs per round trip (sequential) and calls per second (pipelined),
 * then one JSON line. Compare the ratio within one run, not absolute times across runs.
 */
import { startMockServer } from "../../mock/index.js";
import { createSystem } from "../../src/System.js";

const N = Number(process.env.ADMIN_BENCH_N ?? 2_000);
const RUNS = 5;
const MESSAGES = [{ role: "user" as const, content: "Capital of France?" }];

/** Runs `a` and `b` in alternation (so load from other processes hits both alike); fastest of each, µs. */
async function bestOfPair(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  const fastest: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let run = 0; run < RUNS; run++) {
    for (const [i, fn] of [a, b].entries()) {
      const t0 = process.hrtime.bigint();
      await fn();
      fastest[i] = Math.min(fastest[i] as number, Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return fastest;
}

const sequentially = (op: () => Promise<unknown>) => async () => {
  for (let i = 0; i < N; i++) await op();
};
const allAtOnce = (op: () => Promise<unknown>) => () => Promise.all(Array.from({ length: N }, op));
const perSecond = (us: number) => Math.round(N / (us / 1e6));

async function main(): Promise<void> {
  const server = await startMockServer({ latencyMs: 0 });
  const system = await createSystem({
    children: [
      {
        name: "gpt",
        provider: "openai",
        model: "mock-model",
        baseURL: server.baseURL,
        apiKey: "sk-bench",
        maxQueue: N,
      },
    ],
  });
  try {
    const admin = system.admin("gpt");
    const hit = () => system.call("gpt", MESSAGES);
    const info = () => admin.cacheInfo();
    await hit(); // fills the cache: every later call is a hit
    for (let i = 0; i < 500; i++) await Promise.all([hit(), info()]); // warm both paths up
    const [adminSeq, hitSeq] = await bestOfPair(sequentially(info), sequentially(hit));
    const [adminAll, hitAll] = await bestOfPair(allAtOnce(info), allAtOnce(hit));
    const results = {
      n: N,
      adminSequentialUs: adminSeq / N,
      callHitSequentialUs: hitSeq / N,
      adminPipelinedPerSec: perSecond(adminAll),
      callHitPipelinedPerSec: perSecond(hitAll),
      upstreamRequests: server.stats.requests,
    };
    console.log(`N=${N}, fastest of ${RUNS} runs`);
    console.log(
      `  admin cacheInfo (comlink)     ${results.adminSequentialUs.toFixed(1)} µs sequential, ${results.adminPipelinedPerSec}/s pipelined`,
    );
    console.log(
      `  call, cache hit (hot path)    ${results.callHitSequentialUs.toFixed(1)} µs sequential, ${results.callHitPipelinedPerSec}/s pipelined`,
    );
    console.log(JSON.stringify(results));
  } finally {
    await system.stop();
    await server.close();
  }
}

await main();
