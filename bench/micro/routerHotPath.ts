/**
 * A router's own cost on the caller's thread, with no thread and no server: a `round_robin` router
 * over two in-process members whose calls answer at once, beside the same calls made to a member
 * directly. The difference is what routing adds per call (choosing the member, the deadline, the
 * reply's `attempts`, the promise it returns); bench/micro/routerCost.ts measures the whole call.
 *
 *   npm run build && node --expose-gc dist/bench/micro/routerHotPath.js
 *   ROUTER_BENCH_N=20000 node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128 \
 *     dist/bench/micro/routerHotPath.js
 *
 * Closed loop of 256 lanes, as the bench's scenario 10. Prints the fastest of 7 runs in ns per call,
 * and the bytes allocated per call when no young-generation collection ran inside a measured run
 * (then heap growth is allocation): the second command gives a young generation large enough for
 * that. Read the time from the first (a huge young generation slows allocation-heavy code down).
 */
import { PerformanceObserver } from "node:perf_hooks";
import type { EmbedReply } from "../../src/embedTypes.js";
import type { ErrorCode } from "../../src/errors.js";
import type { ReplyStream } from "../../src/ReplyStream.js";
import type { RouteMember } from "../../src/router/RouteMember.js";
import { Router } from "../../src/router/Router.js";
import { resolveRouter } from "../../src/router/RouterSpec.js";
import type { Reply, WireMessage } from "../../src/types.js";
import type { SplitOptions } from "../../src/validate.js";

const CALLS = Number(process.env.ROUTER_BENCH_N ?? 200_000);
const LANES = 256;
const gc = (globalThis as { gc?: () => void }).gc;
/** Young-generation collections seen so far (kind 1: minor). */
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if ((entry as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
}).observe({ entryTypes: ["gc"] });
// GC entries reach the observer a little later: wait for them before and after a run.
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

/** A member that answers every call at once with a fresh reply (a router sets `attempts` on it). */
class InstantMember implements RouteMember {
  constructor(readonly name: string) {}
  unavailable(_now: number): ErrorCode | undefined {
    return undefined;
  }
  call(_messages: WireMessage[], _options: SplitOptions): Promise<Reply> {
    return Promise.resolve({
      text: "Paris.",
      cached: false,
      usage: { promptTokens: 24, completionTokens: 2, totalTokens: 26 },
      finishReason: "stop",
      model: "m",
      client: this.name,
    });
  }
  stream(): ReplyStream {
    throw new Error("not measured");
  }
  embed(): Promise<EmbedReply> {
    throw new Error("not measured");
  }
  embeds(): boolean {
    return false;
  }
  onLatency(_ms: number): void {}
  estimateCost(): number {
    return 0;
  }
  estimateEmbedCost(): number {
    return 0;
  }
  inFlight(): number {
    return 0;
  }
  latencyMs(): number | undefined {
    return undefined;
  }
  headroom(): number {
    return 1;
  }
}

const members = new Map<string, RouteMember>([
  ["left", new InstantMember("left")],
  ["right", new InstantMember("right")],
]);
const router = new Router(
  resolveRouter({ strategy: "round_robin", members: ["left", "right"] }, "router", "rr"),
  { member: (name) => members.get(name) as RouteMember, emit: () => {} },
);
const messages: WireMessage[] = [{ role: "user", content: "hi" }];
// A fresh options object per call, as System.call's admission makes one.
const options = (): SplitOptions => ({ params: { temperature: 0 }, controls: {} });
const left = members.get("left") as RouteMember;

async function closedLoop(call: () => Promise<Reply>, n: number): Promise<void> {
  let remaining = n;
  const lane = async (): Promise<void> => {
    while (remaining-- > 0) await call();
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

const ways: [string, () => Promise<Reply>][] = [
  ["member called directly", () => left.call(messages, options())],
  ["round_robin router over two members", () => router.call(messages, options())],
];
/** Fastest time per call, and bytes per call from a run no scavenge interrupted (NaN: none such). */
const best = new Map<string, { ns: number; bytes: number }>();
for (let run = 0; run < 7; run++) {
  for (const [label, call] of ways) {
    gc?.();
    await turn();
    const scavengesBefore = scavenges;
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await closedLoop(call, CALLS);
    const ns = ((performance.now() - t0) * 1e6) / CALLS;
    const heapAfter = process.memoryUsage().heapUsed;
    await turn();
    const bytes = scavenges === scavengesBefore ? (heapAfter - heapBefore) / CALLS : Number.NaN;
    const seen = best.get(label) ?? { ns, bytes };
    best.set(label, { ns: Math.min(seen.ns, ns), bytes: Number.isNaN(bytes) ? seen.bytes : bytes });
  }
}
const show = (label: string, ns: number, bytes: number): void => {
  const heap = Number.isNaN(bytes)
    ? "heap n/a (a scavenge ran: see the file comment)"
    : `heap +${bytes.toFixed(0)} B/call`;
  process.stdout.write(`${label.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns/call   ${heap}\n`);
};
for (const [label, { ns, bytes }] of best) show(label, ns, bytes);
const direct = best.get(ways[0]?.[0] as string);
const routed = best.get(ways[1]?.[0] as string);
if (direct !== undefined && routed !== undefined) {
  show("routing adds", routed.ns - direct.ns, routed.bytes - direct.bytes);
}
