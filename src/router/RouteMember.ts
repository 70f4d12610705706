/**
 * A router's member as the router sees it: a client (its proxy and lifecycle on the main thread) or
 * another router. Everything a routing decision reads is already on the main thread: no thread hop.
 */
import type { CallerStack } from "../CallerStack.js";
import type { ClientChild } from "../ClientChild.js";
import type { ClientProxy } from "../ClientProxy.js";
import type { EmbedSplit } from "../embedAdmission.js";
import type { EmbedReply } from "../embedTypes.js";
import type { ErrorCode } from "../errors.js";
import type { ReplyStream } from "../ReplyStream.js";
import type { GenerationParams, Reply, WireMessage } from "../types.js";
import type { SplitOptions } from "../validate.js";
import type { RankedMember } from "./strategies.js";

/** See the module comment. */
export interface RouteMember extends RankedMember {
  /** Why the member is skipped without a try right now (`undefined`: it may take the call). */
  unavailable(now: number): ErrorCode | undefined;
  call(messages: WireMessage[], options: SplitOptions): Promise<Reply>;
  stream(messages: WireMessage[], options: SplitOptions): ReplyStream;
  embed(inputs: string[], options: EmbedSplit): Promise<EmbedReply>;
  /** Whether it can embed at all (a client whose vendor has an embeddings API, or a router with one). */
  embeds(): boolean;
  /** A routed call to it took `ms` (feeds a nested router's `lowest_latency`; a client measures its own). */
  onLatency(ms: number): void;
  /** Estimated cost of a call (for a router's budget). */
  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number;
  /** Estimated cost of an `embed` (for a router's budget). */
  estimateEmbedCost(inputs: readonly string[]): number;
}

/** How a member's calls reach its client: through the system, which traces them as it traces any call. */
export interface ProxyCalls {
  call(
    proxy: ClientProxy,
    messages: WireMessage[],
    options: SplitOptions,
    stack?: CallerStack,
  ): Promise<Reply>;
  stream(
    proxy: ClientProxy,
    messages: WireMessage[],
    options: SplitOptions,
    stack?: CallerStack,
  ): ReplyStream;
  embed(proxy: ClientProxy, inputs: string[], options: EmbedSplit, stack?: CallerStack): Promise<EmbedReply>;
}

/** A client as a member. */
export class ClientMember implements RouteMember {
  constructor(
    private readonly proxy: ClientProxy,
    private readonly child: ClientChild,
    private readonly calls: ProxyCalls,
  ) {}

  get name(): string {
    return this.proxy.name;
  }

  unavailable(now: number): ErrorCode | undefined {
    if (this.child.status !== "running") return "ERR_CLIENT_UNAVAILABLE";
    if (this.proxy.breaker === "open") return "ERR_CIRCUIT_OPEN";
    if (this.proxy.traffic.coolingDown(now)) return "ERR_RATE_LIMITED";
    return undefined;
  }

  inFlight(): number {
    return this.proxy.size;
  }

  latencyMs(): number | undefined {
    return this.proxy.traffic.latencyMs;
  }

  headroom(): number {
    return this.proxy.traffic.headroom();
  }

  call(messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    return this.calls.call(this.proxy, messages, options);
  }

  stream(messages: WireMessage[], options: SplitOptions): ReplyStream {
    return this.calls.stream(this.proxy, messages, options);
  }

  embed(inputs: string[], options: EmbedSplit): Promise<EmbedReply> {
    return this.calls.embed(this.proxy, inputs, options);
  }

  embeds(): boolean {
    return this.proxy.spec.provider !== "anthropic";
  }

  /** Nothing to do: the proxy measures every answered call of its client, routed or not. */
  onLatency(_ms: number): void {}

  estimateEmbedCost(inputs: readonly string[]): number {
    return this.proxy.traffic.estimateEmbedCost(inputs);
  }

  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number {
    return this.proxy.traffic.estimateCost(messages, params);
  }
}
