/**
 * What a stream needs from its worker: the same parts a call uses (provider, dispatcher, mailbox,
 * breaker, rate gate, cache and its key), the pipeline they make, and a stream's passage through it.
 */

import type { Dispatcher } from "undici";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { FromWorker, ToWorker, WireStreamRequest } from "../../src/protocol.js";
import type { CancelSignal } from "../Cancellation.js";
import type { ResponseCache } from "../cache/ResponseCache.js";
import { Transport } from "../http/Transport.js";
import type { Mailbox } from "../Mailbox.js";
import { type PipelineParts, PipelineRun, UpstreamPipeline } from "../pipeline/UpstreamPipeline.js";
import type { Provider } from "../providers/Provider.js";
import type { Breaker } from "../resilience/Breaker.js";
import { type RetryPlan, sleep } from "../resilience/RetryPolicy.js";
import { gateObserver } from "../traffic/passGate.js";
import type { RateGate } from "../traffic/RateGate.js";
import type { TokenEstimator } from "../traffic/TokenEstimate.js";

/** The response cache as a stream uses it (the real one is `ResponseCache`). */
export type StreamCache = Pick<ResponseCache, "get" | "set" | "entries">;

/** The message that starts a session. */
export type StreamMessage = Extract<ToWorker, { type: "stream" }>;

/** What a session needs from its worker: the same parts a call uses. */
export interface StreamDeps {
  /** The client's rate gate and token estimator, shared with calls (absent in some unit tests). */
  readonly gate?: RateGate;
  readonly estimator?: TokenEstimator;
  readonly client: ResolvedClientSpec;
  readonly provider: Provider;
  readonly dispatcher: Dispatcher;
  readonly mailbox: Mailbox;
  readonly breaker: Breaker;
  /** The client's cache, `undefined` when it has none. */
  readonly cache: StreamCache | undefined;
  /** The cache key of a request: the very function calls use, so a stream and a call share entries. */
  cacheKey(request: WireStreamRequest): string;
  /** Posts to the main thread. */
  post(message: FromWorker): void;
  /** Injectable for tests. */
  clock?: () => number;
  random?: () => number;
  /** The worker's pipeline; built from the parts above when absent (see {@link streamPath}). */
  pipeline?: UpstreamPipeline;
}

/** What every stream of a worker runs through: the upstream pipeline and the HTTP path. */
export interface StreamPath {
  readonly pipeline: UpstreamPipeline;
  readonly transport: Transport;
}

/**
 * The path streams take: the pipeline given, or one over the same mailbox and breaker as calls; and a
 * {@link Transport} over the calls' dispatcher, whose non-2xx answers teach the rate gate.
 */
export function streamPath(deps: StreamDeps): StreamPath {
  const pipeline =
    deps.pipeline ??
    new UpstreamPipeline({
      mailbox: deps.mailbox,
      breaker: deps.breaker,
      post: (message) => deps.post(message),
      clock: deps.clock ?? Date.now,
      sleep,
      random: deps.random ?? Math.random,
    });
  const client = deps.client;
  const transport = new Transport(deps.dispatcher, deps.provider, client.apiKey, {
    maxBytes: client.maxResponseBytes,
    maxErrorBytes: client.maxErrorBodyBytes,
  });
  if (deps.gate !== undefined) transport.observe = gateObserver(deps.gate);
  return { pipeline, transport };
}

/** A stream's passage through the pipeline: its own deadline and cancellation. */
export class StreamRun extends PipelineRun {
  constructor(
    plan: RetryPlan,
    parts: PipelineParts,
    readonly deadline: number,
    readonly signal: CancelSignal,
    protected readonly callId: number,
  ) {
    super(plan, parts);
  }
}
