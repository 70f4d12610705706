/**
 * Two builds of dspex side by side on cache misses, against one shared mock process (so the server's
 * cost is the same for both): a closed loop of 64 lanes, each call a miss, process CPU per call
 * (`process.cpuUsage`: main thread and workers) and the main thread's own CPU per call (its
 * `/proc/self/task/<pid>/stat` ticks; Linux only). Runs the given builds in alternation, `--rounds`
 * times, each in a fresh process.
 *
 *   npm run build && node dist/bench/micro/missPath.js /path/to/other/checkout .
 *   node dist/bench/micro/missPath.js A B --calls 30000 --rounds 3
 *
 * A build is a checkout with `dist/` built (`dist/bench/lib/dspex.js` and `payload.js` are loaded from
 * it). The mock is this checkout's. Compare builds within one run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startMockProcess } from "../lib/mockProcess.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: "string", default: "30000" },
    rounds: { type: "string", default: "3" },
    inflight: { type: "string", default: "64" },
    child: { type: "string" },
    url: { type: "string" },
  },
});

const calls = Number(values.calls);
const inflight = Number(values.inflight);

if (values.child !== undefined) {
  await measure(values.child, values.url as string);
} else {
  const builds = positionals.map((p) => resolve(p));
  if (builds.length === 0) throw new Error("usage: missPath.js <checkout> [<checkout> ...]");
  const server = await startMockProcess(0);
  const self = new URL(import.meta.url).pathname;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const build of builds) {
      const out = execFileSync(
        process.execPath,
        [
          self,
          "--child",
          build,
          "--url",
          server.baseURL,
          "--calls",
          String(calls),
          "--inflight",
          String(inflight),
        ],
        { encoding: "utf8" },
      );
      process.stdout.write(out);
    }
  }
  await server.close();
}

async function measure(build: string, baseURL: string): Promise<void> {
  const lib = await import(`${build}/dist/bench/lib/dspex.js`);
  const { messagesFor } = await import(`${build}/dist/bench/lib/payload.js`);
  const system = await lib.benchSystem([
    lib.benchClient("misses", baseURL, { maxConcurrency: inflight, maxQueue: inflight * 4 }),
  ]);
  let seq = Math.floor(Math.random() * 1e9);
  const run = async (n: number) => {
    let left = n;
    const lane = async () => {
      while (left-- > 0) await system.call("misses", messagesFor(++seq, true), { temperature: 0 });
    };
    await Promise.all(Array.from({ length: inflight }, lane));
  };
  await run(Math.min(8_000, calls));
  const mainTicks = () => {
    const fields = (
      readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1] as string
    ).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  };
  const ticks = mainTicks();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(calls);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const mainUs = (mainTicks() - ticks) * 10_000; // USER_HZ = 100 on Linux
  console.log(
    `${build}: ${Math.round((calls / ms) * 1000)} calls/s, process CPU ${((used.user + used.system) / calls).toFixed(1)} µs/call, main thread ${(mainUs / calls).toFixed(1)} µs/call`,
  );
  await system.stop();
}
