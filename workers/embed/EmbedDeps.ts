/**
 * What the embeddings of a worker take from the client actor: the `embed` message, the handler the
 * actor hands them to, and the parts they are built from (the ones calls use).
 */
import type { TransferListItem } from "node:worker_threads";
import type { Dispatcher } from "undici";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { FromWorker, ToWorker } from "../../src/protocol.js";
import type { UpstreamPipeline } from "../pipeline/UpstreamPipeline.js";
import type { EmbedProvider } from "../providers/EmbedProvider.js";
import type { RateGate } from "../traffic/RateGate.js";
import type { TokenEstimator } from "../traffic/TokenEstimate.js";
import type { EmbedKeys } from "./EmbedKeys.js";
import type { VectorCache } from "./VectorCache.js";

/** The message that starts an `embed`. */
export type EmbedMessage = Extract<ToWorker, { type: "embed" }>;

/** What the client actor needs from the embeddings module. */
export interface EmbedHandler {
  start(message: EmbedMessage): void;
  /** Stops an `embed` (no answer); false when no `embed` has that id. */
  cancel(id: number): boolean;
  /** Graceful stop: `embed`s get up to `graceMs`, the rest are cancelled; resolves with how many were cut. */
  stop(graceMs: number): Promise<number>;
}

/** What the embeddings of a worker are built from: the parts calls use. */
export interface EmbedDeps {
  readonly client: ResolvedClientSpec;
  readonly provider: EmbedProvider;
  readonly dispatcher: Dispatcher;
  /** The worker's pipeline (its mailbox and breaker are the calls'). */
  readonly pipeline: UpstreamPipeline;
  readonly gate: RateGate;
  readonly estimator: TokenEstimator;
  /** With a cache: the per-input cache and its keys. */
  readonly cache?: { vectors: VectorCache; keys: EmbedKeys } | undefined;
  /** Identical inputs in flight share one (default true). */
  readonly coalesce?: boolean;
  /** Posts to the main thread; `transfer` lists buffers moved with the message. */
  post(message: FromWorker, transfer?: readonly TransferListItem[]): void;
  readonly clock?: () => number;
}
