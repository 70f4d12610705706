/**
 * `npm run bench`: dspex against its ceilings and its peers, side by side in one run, on 127.0.0.1.
 * Runs the chosen scenarios in order, prints progress on stderr and a table at the end, writes JSON
 * to bench/results/, and on a full run the chart and table into docs/. `--help` lists the flags.
 * Missed targets do not fail the run (CI runs `--quick` to prove the benchmarks work, not their speed);
 * a scenario that throws does.
 */
import type { Panel } from "./lib/chart.js";
import { throughputChart } from "./lib/chart.js";
import { childOrder, runIsolated, serveOrder } from "./lib/isolated.js";
import { type BenchOptions, parseOptions, type ScenarioName, usage } from "./lib/options.js";
import { machine, writeChart, writeDocsTable, writeJson } from "./lib/output.js";
import { heading, note } from "./lib/progress.js";
import { type Row, row, textTable } from "./lib/report.js";
import type { ChartFile, Scenario, ScenarioResult } from "./lib/scenario.js";
import { cacheHits } from "./scenarios/cacheHits.js";
import { cacheMisses } from "./scenarios/cacheMisses.js";
import { embeddings } from "./scenarios/embeddings.js";
import { eventLoop } from "./scenarios/eventLoop.js";
import { fallback } from "./scenarios/fallback.js";
import { largeAnswers } from "./scenarios/largeAnswers.js";
import { latencyBound } from "./scenarios/latencyBound.js";
import { manyClients } from "./scenarios/manyClients.js";
import { memory } from "./scenarios/memory.js";
import { oneCall } from "./scenarios/oneCall.js";
import { openBreaker } from "./scenarios/openBreaker.js";
import { rateLimit } from "./scenarios/rateLimit.js";
import { restart } from "./scenarios/restart.js";
import { routerOverhead } from "./scenarios/routerOverhead.js";
import { startup } from "./scenarios/startup.js";
import { telemetry } from "./scenarios/telemetry.js";

const SCENARIOS: Record<ScenarioName, Scenario> = {
  "cache-hits": cacheHits,
  "cache-misses": cacheMisses,
  "one-call": oneCall,
  "large-answers": largeAnswers,
  latency: latencyBound,
  "event-loop": eventLoop,
  clients: manyClients,
  restart,
  breaker: openBreaker,
  memory,
  startup,
  telemetry,
  "rate-limit": rateLimit,
  fallback,
  router: routerOverhead,
  embeddings,
};

async function main(): Promise<number> {
  const order = childOrder(process.env);
  if (order !== undefined) {
    await serveOrder(order, SCENARIOS[order.scenario]);
    return 0;
  }
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage()}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const started = new Date();
  const m = machine();
  note(`dspex bench ${options.quick ? "(quick) " : ""}on ${m.cpu}, ${m.cores} cores, Node ${m.node}`);
  const results: Partial<Record<ScenarioName, ScenarioResult | { error: string }>> = {};
  const rows: Row[] = [];
  const panels: Panel[] = [];
  const charts: ChartFile[] = [];
  let failed = 0;
  const stamp = started.toISOString().replaceAll(":", "-").replace(/\..*$/, "");
  const command = [
    "npm run bench",
    ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : []),
  ].join(" ");
  const caption = `dspex bench, ${started.toISOString().slice(0, 16)}Z, ${m.cores} cores, Node ${m.node}: ${command}`;
  // Two or more scenarios: each in a process of its own, so no row measures the heap another left
  // (bench/lib/isolated.ts says what that changed). One scenario runs here, where a profiler sees it.
  const isolate = options.scenarios.length > 1 && !options.inProcess;
  for (const name of options.scenarios) {
    const t0 = Date.now();
    try {
      const result = isolate ? await runIsolated(name, options, caption) : await SCENARIOS[name].run(options);
      results[name] = result;
      rows.push(...result.rows);
      if (result.panel) panels.push(result.panel);
      charts.push(...(result.charts ?? []));
      note(`(${((Date.now() - t0) / 1_000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`!! scenario ${name} failed: ${message}\n`);
      results[name] = { error: message };
      rows.push(row(name, `FAILED: ${(error as Error)?.message ?? error}`, Number.NaN, ""));
    }
  }
  heading(`Results (${((Date.now() - started.getTime()) / 1_000).toFixed(0)} s)`);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  const files = await writeJson(
    { startedAt: started.toISOString(), command, machine: m, options, rows, scenarios: results },
    options.quick,
    stamp,
    options.writeDocs && failed === 0,
  );
  note(`JSON: ${files.join(", ")}`);
  if (options.writeDocs && failed === 0) {
    // A run of scenarios without a sweep (event-loop alone, say) leaves the throughput chart as it was.
    if (panels.length > 0) note(`chart: ${await writeChart(throughputChart(panels, caption))}`);
    for (const chart of charts) note(`chart: ${await writeChart(chart.render(caption), chart.file)}`);
    const when = `${started.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    note(`table: ${await writeDocsTable(rows, command, when)}`);
  }
  return failed > 0 ? 1 : 0;
}

const code = await main();
process.exitCode = code;
// Everything was closed; if a stray handle still holds the loop, do not hang CI: say so and leave.
setTimeout(() => {
  process.stderr.write("bench: handles still open after the run; exiting\n");
  process.exit(code);
}, 5_000).unref();
