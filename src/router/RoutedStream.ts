/**
 * A stream through a router: the caller's {@link ReplyStream} relays the chunks of one member's
 * stream. Members are tried in the router's order until one sends its first chunk; from then on the
 * stream is that member's, and a failure ends it (text already shown cannot be taken back, so there is
 * no fallback after the first chunk). Backpressure carries through: the relay reads the member's
 * stream only while the caller's stream has credit.
 */
import { DEFAULTS } from "../defaults.js";
import type { DspexError } from "../errors.js";
import { ReplyStream } from "../ReplyStream.js";
import type { RouteAttempt, StreamChunk, WireMessage } from "../types.js";
import type { SplitOptions } from "../validate.js";
import type { RoutePlan } from "./RoutePlan.js";
import type { Router } from "./Router.js";

/** See the module comment. */
export function openRoutedStream(
  router: Router,
  messages: WireMessage[],
  options: SplitOptions,
): ReplyStream {
  const highWaterMark = DEFAULTS.stream.highWaterMark;
  let inner: ReplyStream | undefined;
  let credit = highWaterMark;
  let reading = false;
  let over = false;
  let attempts: RouteAttempt[] | undefined;
  // The routed stream's trace, when traced (src/telemetry/RouteTrace.ts): open at the first pull.
  const route = options.controls.route;

  const outer = new ReplyStream({
    highWaterMark,
    signal: options.controls.signal,
    client: router.name,
    onStart: () => void start(),
    onCredit: (n) => {
      credit += n;
      void relay();
    },
    onCancel: (reason) => {
      over = true;
      void inner?.return();
      if (reason === "closed") route?.closed();
      else route?.fail(outer.error);
    },
  });

  const fail = (error: DspexError): void => {
    over = true;
    outer.fail(error);
    route?.fail(error);
  };

  async function start(): Promise<void> {
    route?.open();
    let plan: RoutePlan;
    try {
      plan = router.plan(messages, options);
    } catch (error) {
      fail(error as DspexError);
      return;
    }
    attempts = plan.attempts;
    for (;;) {
      if (over) return;
      const member = router.next(plan);
      if (member === undefined) return fail(router.exhausted(plan));
      const memberOptions = router.memberOptions(plan, options);
      if (memberOptions === undefined) return fail(router.timedOut(plan));
      const stream = member.stream(messages, memberOptions);
      inner = stream;
      let first: IteratorResult<unknown, undefined>;
      try {
        first = await stream.next();
      } catch (error) {
        try {
          router.failedOn(plan, member, error as DspexError);
        } catch (final) {
          return fail(final as DspexError);
        }
        continue;
      }
      router.streamStarted(plan, member);
      if (first.done) return finish(stream);
      credit--;
      forward(first.value as StreamChunk);
      return relay();
    }
  }

  /** Relays a member's chunk; the last one's cost counts against the router's budget, as a reply's does. */
  function forward(chunk: StreamChunk): void {
    if (chunk.cost !== undefined) router.spent(chunk.cost);
    outer.push([chunk]);
  }

  function finish(stream: ReplyStream): void {
    over = true;
    outer.end(stream.finishReason ?? "stop", stream.meta ?? { attempts: 0 });
    route?.succeed({ attempts });
  }

  async function relay(): Promise<void> {
    const stream = inner;
    if (reading || over || stream === undefined || stream.received === 0) return;
    reading = true;
    try {
      while (credit > 0 && !over) {
        const next = await stream.next();
        if (next.done) return finish(stream);
        credit--;
        forward(next.value);
      }
    } catch (error) {
      fail(error as DspexError);
    } finally {
      reading = false;
    }
  }

  return outer;
}
