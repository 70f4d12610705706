/**
 * What the observer page shows, computed on the main thread: `inspect()`'s tree, and per client the
 * figures the tree does not keep (calls per second since the last snapshot, latency percentiles from
 * the `dspex:call:end` / `dspex:call:error` channels). Everything else (errors by code, breaker, cache,
 * queue, in flight, and the limiter, usage and cost figures when a client has them) is `inspect()`'s
 * own data, passed through as it is, so the page and `inspect()` never disagree.
 */
import diagnostics from "node:diagnostics_channel";
import type { CallEndMessage, CallErrorMessage } from "../telemetry/channels.js";
import type { NodeSnapshot } from "../types.js";
import { LatencyWindow, type Percentiles } from "./LatencyWindow.js";

/** A client's live figures beside its snapshot. */
export interface ClientRates {
  /** Calls settled per second since the previous snapshot. */
  callsPerSecond: number;
  /** Over the latest calls (see {@link LatencyWindow}). */
  latencyMs: Percentiles | undefined;
  /** Hits over hits + misses since start (`undefined` before any). */
  cacheHitRatio: number | undefined;
}

/** One snapshot for the page. */
export interface ObserverSnapshot {
  /** Epoch milliseconds. */
  at: number;
  tree: NodeSnapshot;
  clients: Record<string, ClientRates>;
}

/** The shortest window a calls-per-second figure is measured over, ms. */
const RATE_WINDOW_MS = 1_000;

/** See the module comment. */
export class ObserverModel {
  readonly #latency = new Map<string, LatencyWindow>();
  /** Per client: the count at the start of the current rate window, and the last rate measured. */
  readonly #rates = new Map<string, { settled: number; at: number; perSecond: number }>();
  readonly #onEnd = (message: unknown) => this.#record(message as CallEndMessage);
  readonly #onError = (message: unknown) => this.#record(message as CallErrorMessage);

  constructor(private readonly inspect: () => NodeSnapshot) {
    diagnostics.subscribe("dspex:call:end", this.#onEnd);
    diagnostics.subscribe("dspex:call:error", this.#onError);
  }

  /** Stops listening to the channels. */
  close(): void {
    diagnostics.unsubscribe("dspex:call:end", this.#onEnd);
    diagnostics.unsubscribe("dspex:call:error", this.#onError);
  }

  /** The tree and each client's rates, now. */
  snapshot(): ObserverSnapshot {
    const at = Date.now();
    const tree = this.inspect();
    const clients: Record<string, ClientRates> = {};
    for (const node of walk(tree)) {
      const stats = node.stats;
      if (stats === undefined) continue;
      const settled = stats.ok + Object.values(stats.errors).reduce<number>((n, v) => n + (v ?? 0), 0);
      const looked = stats.cacheHits + stats.cacheMisses;
      clients[node.name] = {
        callsPerSecond: this.#rate(node.name, settled, at),
        latencyMs: this.#latency.get(node.name)?.percentiles(),
        cacheHitRatio: looked === 0 ? undefined : Math.round((stats.cacheHits / looked) * 1000) / 1000,
      };
    }
    return { at, tree, clients };
  }

  /**
   * Calls per second over windows of at least {@link RATE_WINDOW_MS}: snapshots come at any moment
   * (each event sends one), and a rate over a few milliseconds would read 0 or a spike.
   */
  #rate(client: string, settled: number, at: number): number {
    const window = this.#rates.get(client);
    if (window === undefined) {
      this.#rates.set(client, { settled, at, perSecond: 0 });
      return 0;
    }
    const elapsed = at - window.at;
    if (elapsed >= RATE_WINDOW_MS) {
      window.perSecond = Math.round(((settled - window.settled) / elapsed) * 10_000) / 10;
      window.settled = settled;
      window.at = at;
    }
    return window.perSecond;
  }

  #record(message: { client: string; durationMs: number }): void {
    let window = this.#latency.get(message.client);
    if (window === undefined) {
      window = new LatencyWindow();
      this.#latency.set(message.client, window);
    }
    window.add(message.durationMs);
  }
}

/** Every node of a tree, depth first. */
export function* walk(node: NodeSnapshot): Generator<NodeSnapshot> {
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}
