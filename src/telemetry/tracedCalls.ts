/**
 * How a `call`, `stream` or `embed` reaches one client, the caller's own or a router member's: traced
 * when anything listens (a span, metrics, a diagnostics channel), as it is without telemetry
 * otherwise. A member's call of a routed one takes its router's span as parent (`controls.route`).
 */
import { openStream } from "../PendingStream.js";
import type { ProxyCalls } from "../router/RouteMember.js";
import type { Telemetry } from "./Telemetry.js";

/** The traced calls of a system whose telemetry is `telemetry()` (read per call: set after start). */
export function tracedCalls(telemetry: () => Telemetry | undefined): ProxyCalls {
  return {
    call: (proxy, messages, options, stack) => {
      const trace = telemetry()?.begin("call", proxy.spec, messages, options.params, options.controls.route);
      if (trace === undefined) return proxy.call(messages, options, stack);
      trace.open();
      const reply = proxy.call(messages, options, stack, trace);
      reply.then(trace.succeed, trace.fail);
      return reply;
    },
    stream: (proxy, messages, options, stack) => {
      const trace = telemetry()?.begin(
        "stream",
        proxy.spec,
        messages,
        options.params,
        options.controls.route,
      );
      return openStream(proxy, messages, options, stack, trace);
    },
    embed: (proxy, inputs, options, stack) => {
      const trace = telemetry()?.begin("embed", proxy.spec, undefined, {}, options.controls.route);
      if (trace === undefined) return proxy.embed(inputs, options, stack);
      trace.open();
      trace.embedding(inputs.length, options.params.dimensions);
      const reply = proxy.embed(inputs, options, stack, trace);
      reply.then(trace.succeedEmbed, trace.fail);
      return reply;
    },
  };
}
