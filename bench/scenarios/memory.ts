/**
 * Scenario 7, memory and start time: RSS per idle client worker for systems of 1, 10, 50 clients,
 * beside as many bare echo workers, each count in a fresh process (probes/memoryProbe.ts); and the
 * time `createSystem` takes to start 10 and 50 clients. Target: < 12 MiB per idle client (a client never
 * called: its HTTP parts load on its first call, see workers/startWorker.ts).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { benchFile } from "../lib/contender.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading, note } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import type { MemoryProbeResult } from "../probes/memoryProbe.js";

const NAME = "memory";
const run = promisify(execFile);

async function probe(kind: "dspex" | "bare", n: number, baseURL: string): Promise<MemoryProbeResult> {
  const script = fileURLToPath(benchFile("probes/memoryProbe.js"));
  const { stdout } = await run(process.execPath, ["--expose-gc", script, kind, String(n), baseURL], {
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as MemoryProbeResult;
}

/** See the file comment. */
export const memory: Scenario = {
  name: "memory",
  title: "7. Memory per idle client, and start time",
  run: async (o: BenchOptions) => {
    heading(memory.title);
    const server = await startMockProcess(0);
    const results: { n: number; dspex: MemoryProbeResult; bare: MemoryProbeResult }[] = [];
    try {
      for (const n of o.memoryClients) {
        const bare = await probe("bare", n, server.baseURL);
        const dspex = await probe("dspex", n, server.baseURL);
        note(
          `${String(n).padStart(3)} workers: dspex ${dspex.perWorkerMiB.toFixed(1)} MiB each, started in ${Math.round(dspex.startMs)} ms; bare ${bare.perWorkerMiB.toFixed(1)} MiB each, ${Math.round(bare.startMs)} ms`,
        );
        results.push({ n, dspex, bare });
      }
    } finally {
      await server.close();
    }
    const rows: Row[] = [];
    for (const { n, dspex, bare } of results) {
      rows.push(
        row(
          NAME,
          `RSS per idle client worker, ${n} client${n === 1 ? "" : "s"}`,
          dspex.perWorkerMiB,
          "MiB",
          {
            label: "bare worker",
            value: bare.perWorkerMiB,
          },
          { op: "<", value: 12, on: "value" },
        ),
      );
    }
    for (const { n, dspex, bare } of results) {
      if (n < 10) continue;
      rows.push(
        row(NAME, `start a system of ${n} clients`, dspex.startMs, "ms", {
          label: `${n} bare workers`,
          value: bare.startMs,
        }),
      );
    }
    return { rows, data: { results } };
  },
};
