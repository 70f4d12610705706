/**
 * `npm run chaos`: the project's own chaos suite. A host process (host.ts) runs a tree of six clients
 * under nested supervisors and sends tens of thousands of calls and hundreds of streams, while workers
 * are killed at random there and this process's mock server injects every fault it knows. Every answer
 * is derived from its request (a nonce in the prompt; the mock's answer is a pure function of the
 * conversation), so the books tell settled, hung, lost and wrong. Threads, handles and RSS are measured
 * before and after `stop()`, and the host must then exit on its own.
 *
 * Prints a table; exits 1 when anything hung, was lost or was wrong, when an error had no dspex code,
 * when threads or handles outlived `stop()`, or when the host did not exit. `--quick` is CI's size.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { startMockServer } from "../../mock/index.js";
import type { Fault } from "../../mock/types.js";
import { benchFile } from "../lib/contender.js";
import type { HostMessage, HostReport, Resources } from "./host.js";
import { ALL_FAULTS, type ChaosOptions, parseChaosArgs, random, USAGE } from "./plan.js";

/** How long the host may take to exit once it reported (Node also waits for V8's background work). */
const EXIT_BOUND_MS = 10_000;

const STREAM_FAULTS = new Set<Fault["kind"]>(["stream_stall", "stream_error", "stream_drop"]);

async function main(): Promise<number> {
  let options: ChaosOptions | undefined;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const rand = random(options.seed ^ 0x5eed);
  const server = await startMockServer({ port: 0, logLimit: 0, chunkDelayMs: 1 });
  console.error(
    `chaos: ${options.calls} calls, ${options.streams} streams, ${options.concurrency} in flight, a kill every ~${options.killEveryMs} ms, faults on ~${options.faultRatio * 100} % of requests, seed ${options.seed}`,
  );
  const host = fork(benchFile("chaos/host.js"), [server.baseURL, JSON.stringify(options)], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(host, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let loadDone = false;
  let report: HostReport | undefined;
  let reportedAt = 0;
  host.on("message", (message: HostMessage) => {
    if (message.type === "load-done") {
      loadDone = true;
      server.clearFaults();
    } else {
      report = message;
      reportedAt = Date.now();
    }
  });

  const injected: Record<string, number> = {};
  const faults = (async () => {
    while (!loadDone && host.exitCode === null) {
      await sleep(options.faultEveryMs * (0.5 + rand()));
      if (loadDone) break;
      // Keep the faults to about faultRatio of what the server has seen (retries included).
      if (sum(injected) >= server.stats.requests * options.faultRatio) continue;
      const fault = ALL_FAULTS[Math.floor(rand() * ALL_FAULTS.length)] as Fault;
      // Stream faults wait for a stream (plain calls skip them); inject them less often, so that
      // streams also get to end normally.
      if (STREAM_FAULTS.has(fault.kind) && rand() < 0.8) continue;
      const times = 1 + Math.floor(rand() * 3);
      server.fault(fault, { times });
      injected[fault.kind] = (injected[fault.kind] ?? 0) + times;
    }
  })();

  const [code, signal] = await exited;
  const exitMs = report === undefined ? -1 : Date.now() - reportedAt;
  await faults;
  const served = { ...server.stats };
  await server.close();
  if (report === undefined) {
    console.error(`chaos: the host died before it reported (exit ${code}, signal ${signal})`);
    return 1;
  }
  return verdict(report, { code, signal, exitMs }, injected, served.requests, served.faulted);
}

/** Prints the table and returns the exit code. */
function verdict(
  r: HostReport,
  exit: { code: number | null; signal: NodeJS.Signals | null; exitMs: number },
  injected: Record<string, number>,
  requests: number,
  faulted: number,
): number {
  const t = r.totals;
  const failures: string[] = [];
  if (t.hung > 0) failures.push(`${t.hung} hung`);
  if (t.lost > 0) failures.push(`${t.lost} lost`);
  if (t.wrong > 0) failures.push(`${t.wrong} wrong`);
  if (t.untyped > 0) failures.push(`${t.untyped} failed without a dspex error code`);
  if (t.settled !== t.calls + t.streams) failures.push(`${t.calls + t.streams - t.settled} never settled`);
  if (r.after.threads > r.before.threads) failures.push(`threads ${r.before.threads} -> ${r.after.threads}`);
  const extra = extraHandles(r.before, r.after);
  if (extra.length > 0) failures.push(`handles left: ${extra.join(", ")}`);
  if (exit.code !== 0 || exit.signal !== null)
    failures.push(`host exit ${exit.code} (signal ${exit.signal})`);
  if (exit.exitMs > EXIT_BOUND_MS) failures.push(`host took ${exit.exitMs} ms to exit after stop()`);

  const errors = Object.entries(t.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  const rows: Array<[string, string]> = [
    ["calls / streams", `${t.calls} / ${t.streams}`],
    [
      "settled",
      `${t.settled} (${t.ok} answered right, ${t.left} streams left early, ${sum(t.errors)} errors)`,
    ],
    ["errors by code", errors || "none"],
    ["hung", String(t.hung)],
    ["lost", String(t.lost)],
    ["wrong (another request's answer)", String(t.wrong)],
    ["untyped errors", String(t.untyped)],
    ["worker kills / restarts", `${r.kills} / ${r.restarts}`],
    [
      "faults injected",
      `${sum(injected)} (${Object.entries(injected)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")})`,
    ],
    ["mock requests / faulted", `${requests} / ${faulted}`],
    ["duration", `${(r.durationMs / 1000).toFixed(1)} s`],
    ["RSS before / peak / after stop", `${r.before.rssMiB} / ${r.peakRssMiB} / ${r.after.rssMiB} MiB`],
    ["threads before / after stop", `${r.before.threads} / ${r.after.threads}`],
    ["handles before / after stop", `${describe(r.before)} / ${describe(r.after)}`],
    [
      "host exit after stop()",
      exit.exitMs < 0 ? "no report" : `code ${exit.code}, ${exit.exitMs} ms after its report`,
    ],
    ["verdict", failures.length === 0 ? "PASS" : `FAIL: ${failures.join("; ")}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n"));
  for (const example of r.examples) console.log(`  ${example}`);
  return failures.length === 0 ? 0 : 1;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

function describe(r: Resources): string {
  return (
    Object.entries(r.handles)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none"
  );
}

/** The host's own stdio and IPC channel (ref'd while it reports), not the system's. */
const HOST_IO = new Set(["PipeWrap", "TTYWrap", "CloseReq", "WriteWrap", "ShutdownWrap"]);

/** Handle kinds more numerous after `stop()` than before the system started. */
function extraHandles(before: Resources, after: Resources): string[] {
  return Object.entries(after.handles)
    .filter(([kind, n]) => !HOST_IO.has(kind) && n > (before.handles[kind] ?? 0))
    .map(([kind, n]) => `${kind} ${before.handles[kind] ?? 0} -> ${n}`);
}

process.exitCode = await main();
