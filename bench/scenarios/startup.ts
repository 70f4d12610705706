/**
 * Scenario "startup", how fast a tree starts: the time until a system of n clients is ready beside
 * n bare echo workers (the floor for any thread), each count in fresh processes, bare and dspex
 * alternating, the median of the rounds kept; the time until each of those clients has answered its
 * first call; and the demo's time to its first reply (`node dist/examples/demo.js`, from spawning the
 * process until it prints the first answer). Target: ready in under 1.5x the bare workers' time.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { benchFile } from "../lib/contender.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading, note } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import type { StartProbeResult } from "../probes/startProbe.js";

const NAME = "startup";
const run = promisify(execFile);

async function probe(kind: "dspex" | "bare", n: number, baseURL: string): Promise<StartProbeResult> {
  const script = fileURLToPath(benchFile("probes/startProbe.js"));
  const { stdout } = await run(process.execPath, [script, kind, String(n), baseURL], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as StartProbeResult;
}

/** Spawns the demo and resolves with the ms until it printed its first reply (then ends it). */
async function demoFirstReply(): Promise<number> {
  const demo = fileURLToPath(new URL("../../examples/demo.js", import.meta.url));
  const t0 = performance.now();
  const child = spawn(process.execPath, [demo], {
    env: { ...process.env, DSPEX_DEMO_NO_WAIT: "1", OPENAI_API_KEY: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let seen = "";
  let elapsed = Number.NaN;
  for await (const chunk of child.stdout) {
    seen += String(chunk);
    if (/^gpt4o: /m.test(seen)) {
      elapsed = performance.now() - t0;
      break;
    }
  }
  child.kill();
  if (child.exitCode === null) await once(child, "exit");
  if (Number.isNaN(elapsed)) throw new Error("the demo ended before its first reply");
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** See the file comment. */
export const startup: Scenario = {
  name: "startup",
  title: "Startup: time to ready beside bare workers, and the demo's first reply",
  run: async (o: BenchOptions) => {
    heading(startup.title);
    const server = await startMockProcess(0);
    const results: { n: number; dspex: StartProbeResult[]; bare: StartProbeResult[] }[] = [];
    try {
      for (const n of o.startClients) {
        const dspex: StartProbeResult[] = [];
        const bare: StartProbeResult[] = [];
        for (let round = 0; round < o.startRounds; round++) {
          bare.push(await probe("bare", n, server.baseURL));
          dspex.push(await probe("dspex", n, server.baseURL));
        }
        note(
          `${String(n).padStart(3)} clients: ready in ${Math.round(median(dspex.map((r) => r.readyMs)))} ms (bare workers ${Math.round(median(bare.map((r) => r.readyMs)))} ms), every client answered in ${Math.round(median(dspex.map((r) => r.firstReplyMs ?? Number.NaN)))} ms`,
        );
        results.push({ n, dspex, bare });
      }
    } finally {
      await server.close();
    }
    const demo: number[] = [];
    for (let round = 0; round < o.startRounds; round++) demo.push(await demoFirstReply());
    note(`demo: first reply after ${Math.round(median(demo))} ms`);
    const rows: Row[] = [];
    for (const { n, dspex, bare } of results) {
      const bareMs = median(bare.map((r) => r.readyMs));
      const cpu = `CPU ${Math.round(median(dspex.map((r) => r.cpuMs)))} ms (bare ${Math.round(median(bare.map((r) => r.cpuMs)))} ms), median of ${dspex.length}`;
      rows.push(
        row(
          NAME,
          `time to ready, ${n} clients`,
          median(dspex.map((r) => r.readyMs)),
          "ms",
          { label: `${n} bare workers`, value: bareMs },
          { op: "<", value: 1.5 },
          cpu,
        ),
        row(
          NAME,
          `time until each of ${n} clients answered a call`,
          median(dspex.map((r) => r.firstReplyMs ?? Number.NaN)),
          "ms",
          { label: `${n} bare workers ready`, value: bareMs },
        ),
      );
    }
    rows.push(
      row(
        NAME,
        "demo: process start to first reply",
        median(demo),
        "ms",
        undefined,
        undefined,
        `median of ${demo.length}`,
      ),
    );
    return { rows, data: { results, demo } };
  },
};
