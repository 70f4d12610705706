/**
 * A router as its callers reach it when the system has telemetry: each `call`, `stream` and `embed`
 * gets a {@link RouteTrace} (the router span) when a tracer records, carried to the members in the
 * call's controls; everything else is the router's own. The system hands this out for a router, both
 * to its own callers and to an outer router that has it as a member, so a nested router has its span
 * under the outer one's.
 */
import type { EmbedSplit } from "../embedAdmission.js";
import type { EmbedReply } from "../embedTypes.js";
import type { ErrorCode } from "../errors.js";
import type { ReplyStream } from "../ReplyStream.js";
import type { RouteMember } from "../router/RouteMember.js";
import type { Router } from "../router/Router.js";
import type { GenerationParams, Reply, WireMessage } from "../types.js";
import type { SplitOptions } from "../validate.js";
import type { RouteTrace } from "./RouteTrace.js";
import type { Telemetry } from "./Telemetry.js";

/** See the module comment. */
export class TracedRouter implements RouteMember {
  constructor(
    readonly router: Router,
    private readonly telemetry: Telemetry,
  ) {}

  get name(): string {
    return this.router.name;
  }

  call(messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    const route = this.telemetry.beginRoute("call", this.router.spec, options.controls.route);
    if (route === undefined) return this.router.call(messages, options);
    route.open();
    const reply = this.router.call(messages, within(options, route));
    reply.then(route.succeed, route.fail);
    return reply;
  }

  /** The route span opens at the first pull and closes with the stream (src/router/RoutedStream.ts). */
  stream(messages: WireMessage[], options: SplitOptions): ReplyStream {
    const route = this.telemetry.beginRoute("stream", this.router.spec, options.controls.route);
    return this.router.stream(messages, route === undefined ? options : within(options, route));
  }

  embed(inputs: string[], options: EmbedSplit): Promise<EmbedReply> {
    const route = this.telemetry.beginRoute("embed", this.router.spec, options.controls.route);
    if (route === undefined) return this.router.embed(inputs, options);
    route.open();
    const reply = this.router.embed(inputs, within(options, route));
    reply.then(route.succeed, route.fail);
    return reply;
  }

  unavailable(now: number): ErrorCode | undefined {
    return this.router.unavailable(now);
  }

  embeds(): boolean {
    return this.router.embeds();
  }

  inFlight(): number {
    return this.router.inFlight();
  }

  latencyMs(): number | undefined {
    return this.router.latencyMs();
  }

  headroom(): number {
    return this.router.headroom();
  }

  onLatency(ms: number): void {
    this.router.onLatency(ms);
  }

  estimateCost(messages: readonly WireMessage[], params: GenerationParams): number {
    return this.router.estimateCost(messages, params);
  }

  estimateEmbedCost(inputs: readonly string[]): number {
    return this.router.estimateEmbedCost(inputs);
  }
}

/** `options` with `route` as the trace its members read. */
function within<O extends { controls: object }>(options: O, route: RouteTrace): O {
  return { ...options, controls: { ...options.controls, route } };
}
