/**
 * Scenario 5, restart: a client serving a steady load (cache misses, 0 ms server) is killed again and
 * again. Per kill: the time from `kill()` to the next successful call, and whether any call was lost.
 * A call is lost when it rejects or never settles; calls in flight at the kill must be delivered again
 * to the restarted worker. Targets: p50 < 100 ms, 0 calls lost.
 *
 * Each kill is a lone crash, as OTP sees it: the restart-intensity window (50 ms) is shorter than the
 * gap between kills, so the supervisor restarts at once instead of applying its crash-loop backoff
 * (10 ms doubling to 500 ms, a separate, deliberate cost). Before the next kill, every call that was in
 * flight at this one has settled, so no call meets two kills (that would test the redelivery bound).
 *
 * Two cadences: `o.kills` kills "at rest" (200 ms after the system recovered, so its warm spare has
 * booted again: a crash in a healthy system, the target's case), then half as many back to back (the
 * next kill as soon as the previous one recovered: the spare may still be loading, as in a crash burst).
 */
import { performance } from "node:perf_hooks";
import { createSystem, type NodeSnapshot } from "../../src/index.js";
import { readyEchoWorker } from "../lib/bareWorkers.js";
import { benchClient } from "../lib/dspex.js";
import { LatencyHistogram } from "../lib/histogram.js";
import { delay, errorCode } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, note } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "restart";
const BACKGROUND_IN_FLIGHT = 16;
/** Pause after a recovery before the next kill, "at rest". */
const REST_MS = 200;

/** See the file comment. */
export const restart: Scenario = {
  name: "restart",
  title: "5. Restart: kill a loaded client, time to the next successful call",
  run: async (o: BenchOptions) => {
    heading(restart.title);
    const server = await startMockProcess(0);
    const system = await createSystem(
      {
        strategy: "one_for_one",
        maxRestarts: 1_000_000,
        withinMs: 50,
        children: [benchClient("victim", server.baseURL)],
      },
      // The scenario measures restarts with a warm spare (off by default since issue #10: see
      // docs/decisions.md, "Boot side by side"); without it a restart adds a thread's boot and the
      // client's first load.
      { warmSpare: true },
    );
    const bareStart = await bareWorkerStarts(o.kills);
    note(`bare worker spawn -> first reply: p50 ${bareStart.p50Ms} ms, p99 ${bareStart.p99Ms} ms`);
    const histogram = new LatencyHistogram();
    const burst = new LatencyHistogram();
    const lostBy: Record<string, number> = {};
    const outstanding = new Set<Promise<unknown>>();
    let seq = 1;
    let settled = 0;
    let lost = 0;
    let running = true;
    const call = (): Promise<unknown> => {
      const p = system.call("victim", messagesFor(seq++, true), { temperature: 0 }).then(
        () => {
          settled++;
        },
        (error: unknown) => {
          settled++;
          lost++;
          const code = errorCode(error);
          lostBy[code] = (lostBy[code] ?? 0) + 1;
        },
      );
      outstanding.add(p);
      void p.finally(() => outstanding.delete(p));
      return p;
    };
    const lane = async (): Promise<void> => {
      while (running) await call();
    };
    const lanes = Array.from({ length: BACKGROUND_IN_FLIGHT }, lane);
    let stuck = 0;
    let victim: NodeSnapshot | undefined;
    try {
      await delay(o.warmupMs);
      const killLoop = async (kills: number, gapMs: number, into: LatencyHistogram, label: string) => {
        for (let k = 0; k < kills; k++) {
          const atKill = [...outstanding];
          const t0 = performance.now();
          await system.kill("victim");
          await call(); // the probe: settles once a restarted worker has answered a call
          into.record(performance.now() - t0);
          await Promise.allSettled(atKill);
          if (gapMs > 0) await delay(gapMs);
          if ((k + 1) % 10 === 0 || k + 1 === kills)
            note(`${label}: ${k + 1}/${kills} kills, ${lost} calls lost so far`);
        }
      };
      await killLoop(o.kills, REST_MS, histogram, "at rest");
      await killLoop(Math.ceil(o.kills / 2), 0, burst, "back to back");
    } finally {
      running = false;
      const drained = await Promise.race([
        Promise.allSettled(lanes).then(() => true),
        delay(30_000).then(() => false),
      ]);
      stuck = drained ? 0 : outstanding.size;
      victim = findClient(system.inspect(), "victim");
      await system.stop();
      await server.close();
    }
    const summary = histogram.summary();
    const burstSummary = burst.summary();
    note(
      `kill -> next success p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms; lost ${lost + stuck}; redelivered ${victim?.stats?.redelivered ?? "?"}`,
    );
    return {
      rows: [
        row(
          NAME,
          `kill at rest -> next successful call, p50 (${o.kills} kills)`,
          summary.p50Ms,
          "ms",
          { label: "bare worker start p50", value: bareStart.p50Ms },
          { op: "<", value: 100, on: "value" },
        ),
        row(
          NAME,
          "kill at rest -> next successful call, p99",
          summary.p99Ms,
          "ms",
          { label: "bare worker start p99", value: bareStart.p99Ms },
          undefined,
          `max ${summary.maxMs} ms`,
        ),
        row(
          NAME,
          `back-to-back kills, p50 (${Math.ceil(o.kills / 2)} kills)`,
          burstSummary.p50Ms,
          "ms",
          { label: "bare worker start p50", value: bareStart.p50Ms },
          undefined,
          `p99 ${burstSummary.p99Ms} ms: the next kill as soon as the last recovered`,
        ),
        row(
          NAME,
          "calls lost",
          lost + stuck,
          "calls",
          undefined,
          { op: "==", value: 0, on: "value" },
          `of ${settled} calls, ${BACKGROUND_IN_FLIGHT} in flight; ${victim?.stats?.redelivered ?? "?"} redelivered`,
        ),
      ],
      data: {
        kills: o.kills,
        latency: summary,
        backToBack: burstSummary,
        bareWorkerStart: bareStart,
        settled,
        lost,
        lostBy,
        stuck,
        redelivered: victim?.stats?.redelivered,
      },
    };
  },
};

/**
 * The floor under any restart: spawning a bare echo worker until it answers one message, `n` times
 * (one at a time, then terminated), in the same run.
 */
async function bareWorkerStarts(n: number) {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const worker = await readyEchoWorker(i);
    histogram.record(performance.now() - t0);
    await worker.terminate();
  }
  return histogram.summary();
}

/** The snapshot of client `name`, searched depth first. */
export function findClient(node: NodeSnapshot, name: string): NodeSnapshot | undefined {
  if (node.type === "client" && node.name === name) return node;
  for (const child of node.children ?? []) {
    const found = findClient(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
}
