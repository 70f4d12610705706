/**
 * The chaos run's host process (forked by run.ts): starts the tree on the driver's mock server, sends
 * calls and streams while killing workers at random, keeps the books (ledger.ts), stops the system,
 * measures what outlived it, reports over IPC, and then must exit on its own: nothing here calls
 * `process.exit`, so a thread or handle left behind by dspex would keep this process alive and the
 * driver would see it.
 */
import { readdirSync } from "node:fs";
import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { defaultAnswer } from "../../mock/answer.js";
import { ErrorCodes } from "../../src/errors.js";
import { createSystem } from "../../src/System.js";
import { type Entry, Ledger, type Totals } from "./ledger.js";
import { type ChaosOptions, CLIENTS, chaosTree, random } from "./plan.js";

/** What the host measured of itself. */
export interface Resources {
  rssMiB: number;
  /** OS threads of this process (Linux), or -1. */
  threads: number;
  /** `process.getActiveResourcesInfo()`, counted by kind. */
  handles: Record<string, number>;
}

/** The host's report to the driver. */
export interface HostReport {
  type: "report";
  totals: Totals;
  examples: string[];
  kills: number;
  restarts: number;
  durationMs: number;
  before: Resources;
  after: Resources;
  peakRssMiB: number;
}

/** Host -> driver messages. */
export type HostMessage = { type: "load-done" } | HostReport;

function resources(): Resources {
  let threads = -1;
  try {
    threads = readdirSync("/proc/self/task").length;
  } catch {}
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  return { rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), threads, handles };
}

/** Runs `task` for each of `count` items with at most `width` at once. */
async function bounded(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

async function main(): Promise<void> {
  const [baseURL, json] = process.argv.slice(2) as [string, string];
  const options = JSON.parse(json) as ChaosOptions;
  const rand = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const send = (message: HostMessage) => process.send?.(message);

  const before = resources();
  let peakRss = before.rssMiB;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, Math.round(process.memoryUsage().rss / 2 ** 20));
  }, 250);
  const started = Date.now();
  const system = await createSystem(chaosTree(baseURL, options.callTimeoutMs));
  let restarts = 0;
  system.on("restart", () => restarts++);
  const ledger = new Ledger(ErrorCodes);
  const contents: string[] = [];

  /** A fresh request (nonce) most of the time; now and then one asked before (cache, coalescing). */
  const content = (i: number): string => {
    if (contents.length > 10 && rand() < 0.1) return pick(contents);
    const text = `chaos ${i} ${Math.floor(rand() * 2 ** 32).toString(16)}`;
    contents.push(text);
    return text;
  };
  const expected = (text: string) => defaultAnswer([{ role: "user", text }]);

  let loading = true;
  let kills = 0;
  const killer = (async () => {
    while (loading) {
      await sleep(options.killEveryMs * (0.5 + rand()));
      if (!loading) break;
      // Now and then two at once, so a restart meets another crash.
      const victims = rand() < 0.1 ? [pick(CLIENTS), pick(CLIENTS)] : [pick(CLIENTS)];
      await Promise.all(
        victims.map((name) =>
          system.kill(name).then(
            () => kills++,
            () => {},
          ),
        ),
      );
    }
  })();

  const settling: Array<Promise<void>> = [];
  const calls = bounded(options.calls, options.concurrency, async (i) => {
    const client = pick(CLIENTS);
    const text = content(i);
    const entry = ledger.open("call", client, expected(text), Date.now());
    const settled = system.call(client, [{ role: "user", content: text }]).then(
      (reply) => ledger.answered(entry, reply.text),
      (error: unknown) => ledger.failed(entry, error),
    );
    settling.push(settled);
    await settled;
  });
  const streams = bounded(options.streams, options.streamConcurrency, async (i) => {
    const client = pick(CLIENTS);
    const text = content(options.calls + i);
    const entry = ledger.open("stream", client, expected(text), Date.now());
    // One stream in five is left after its first chunks (the consumer breaks out of the loop).
    const leaveAfter = rand() < 0.2 ? 1 + Math.floor(rand() * 3) : undefined;
    const settled = readStream(
      system.stream(client, [{ role: "user", content: text }]),
      entry,
      ledger,
      leaveAfter,
    );
    settling.push(settled);
    await settled;
  });
  await Promise.all([calls, streams]);
  loading = false;
  await killer;
  send({ type: "load-done" });

  // Every call has a deadline; wait past the last one, then what is still open has hung.
  const waited = new AbortController();
  const bound = sleep(options.callTimeoutMs + 5_000, undefined, { signal: waited.signal }).catch(() => {});
  await Promise.race([Promise.all(settling), bound]);
  waited.abort();
  ledger.markHung();
  await system.stop();
  await turn();
  ledger.markLost();
  const durationMs = Date.now() - started;

  clearInterval(sampler);
  (globalThis as { gc?: () => void }).gc?.();
  await turn();
  const after = resources();
  const report: HostReport = {
    type: "report",
    totals: ledger.totals(),
    examples: [
      ...ledger.examples,
      ...ledger
        .pending()
        .slice(0, 3)
        .map((e: Entry) => `#${e.id} ${e.kind} on ${e.client}: never settled`),
    ],
    kills,
    restarts,
    durationMs,
    before,
    after,
    peakRssMiB: peakRss,
  };
  send(report);
  process.disconnect?.();
}

/** Reads a stream into the ledger, leaving it after `leaveAfter` chunks when that is set. */
async function readStream(
  stream: AsyncIterable<{ text: string }>,
  entry: Entry,
  ledger: Ledger,
  leaveAfter: number | undefined,
): Promise<void> {
  let text = "";
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      text += chunk.text;
      chunks++;
      if (leaveAfter !== undefined && chunks >= leaveAfter) {
        ledger.left(entry, text);
        return;
      }
    }
    ledger.answered(entry, text);
  } catch (error) {
    ledger.failed(entry, error, text);
  }
}

await main();
