/**
 * Each scenario of a run in a process of its own. A scenario left the main heap of the next one larger
 * (the event-loop scenario loads five HTTP clients and SDKs; the memory and startup scenarios spawn dozens
 * of workers), so a row depended on which rows ran before it: the telemetry row read 0.99 alone and 0.66
 * after the event-loop and memory scenarios on the same quiet machine, because its spans, kept by the
 * SDK's batch queue past a scavenge, made every major collection mark the leftovers of the scenarios
 * before it. In its own process each row measures only its own side-by-side pair.
 *
 * The parent sends the options and the chart caption to the child in an environment variable; the child
 * runs the one scenario, renders its charts with that caption and writes its result to a file the parent
 * reads. Progress goes straight to the terminal (stderr is inherited).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchOptions, ScenarioName } from "./options.js";
import type { ChartFile, Scenario, ScenarioResult } from "./scenario.js";

/** The environment variable that turns `bench/run.js` into one scenario's child. */
export const CHILD_ENV = "DSPEX_BENCH_CHILD";

/** What the parent tells its child. */
interface ChildOrder {
  scenario: ScenarioName;
  options: BenchOptions;
  caption: string;
  out: string;
}

/** A result as it crosses the process boundary: charts already rendered. */
interface ChildResult extends Omit<ScenarioResult, "charts"> {
  charts?: { file: string; svg: string }[];
}

/** The order this process was started with, when it is a scenario's child. */
export function childOrder(env: NodeJS.ProcessEnv): ChildOrder | undefined {
  const raw = env[CHILD_ENV];
  return raw === undefined || raw === "" ? undefined : (JSON.parse(raw) as ChildOrder);
}

/** In the child: runs the scenario and writes what it produced for the parent. */
export async function serveOrder(order: ChildOrder, scenario: Scenario): Promise<void> {
  const result = await scenario.run(order.options);
  const charts = (result.charts ?? []).map((c) => ({ file: c.file, svg: c.render(order.caption) }));
  const crossing: ChildResult = { ...result, charts };
  await writeFile(order.out, JSON.stringify(crossing));
}

/** In the parent: runs `scenario` in a fresh Node process with the same flags and waits for its result. */
export async function runIsolated(
  scenario: ScenarioName,
  options: BenchOptions,
  caption: string,
): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), "dspex-bench-"));
  const out = join(dir, "result.json");
  const order: ChildOrder = { scenario, options, caption, out };
  try {
    const script = fileURLToPath(new URL("../run.js", import.meta.url));
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, script], {
        env: { ...process.env, [CHILD_ENV]: JSON.stringify(order) },
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.once("error", reject);
      child.once("exit", (c, signal) => resolve(signal === null ? c : -1));
    });
    if (code !== 0) throw new Error(`scenario ${scenario}: its process exited with ${code}`);
    const crossed = JSON.parse(await readFile(out, "utf8")) as ChildResult;
    const charts: ChartFile[] = (crossed.charts ?? []).map((c) => ({ file: c.file, render: () => c.svg }));
    return { ...crossed, charts };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
