/**
 * One routed `call`, `stream` or `embed` on the main thread: the router's span, parent of the span of
 * every member it tried. A trace reader sees the routed call as one node (`chat {router}`, kind
 * `INTERNAL`) with the member calls under it (`chat {model}`, kind `CLIENT`, one per member tried, each
 * with its own attempts), and the router's decisions as `dspex.fallback` events on the router span, at
 * the time the router moved the call on.
 *
 * The router span carries no `gen_ai.*` attribute: the members' spans are the GenAI operations, and a
 * tool that sums tokens or counts LLM calls over spans must not count one routed call twice.
 *
 * The trace travels with the call's controls (`SplitOptions.controls.route`): members read its
 * {@link context} as their parent, so the tree holds without a context manager and for streams, whose
 * members start at the caller's first pull.
 */
import type { Context, Span, Tracer } from "@opentelemetry/api";
import type { DspexError } from "../errors.js";
import type { RouteAttempt } from "../types.js";
import { type Attributes, epochNow } from "./genai.js";
import type { TraceHost } from "./Telemetry.js";

/** What routed calls are called in span names. */
export type RouteOperation = "chat" | "embeddings";

/** See the module comment. */
export class RouteTrace {
  #span: Span | undefined;
  #context: Context | undefined;
  #done = false;

  constructor(
    private readonly host: TraceHost,
    private readonly tracer: Tracer,
    /** The router's name. */
    readonly router: string,
    private readonly name: string,
    private readonly attributes: Attributes,
    private readonly parent: Context | undefined,
  ) {}

  /** The router span, once open (tests read it). */
  get span(): Span | undefined {
    return this.#span;
  }

  /** The context a member's span takes as its parent (the caller's, until {@link open}). */
  get context(): Context | undefined {
    return this.#context ?? this.parent;
  }

  /** The routed call starts now (a stream: at its first pull). Idempotent. */
  open(): void {
    if (this.#span !== undefined || this.#done) return;
    // On the clock of its members' spans (genai.ts, `epochNow`), so that they nest exactly.
    const span = this.tracer.startSpan(
      this.name,
      { attributes: this.attributes, startTime: epochNow() },
      this.parent,
    );
    if (!span.isRecording()) return;
    this.#span = span;
    this.#context = this.host.withSpan(this.parent, span);
  }

  /**
   * The router moved the call from `from` to `to` because of `code` (the member's failure, or why it
   * was skipped without a try).
   */
  fallback(from: string, to: string, code: string): void {
    this.#span?.addEvent(
      "dspex.fallback",
      { "dspex.fallback.from": from, "dspex.fallback.to": to, "error.type": code },
      epochNow(),
    );
  }

  /** A member answered; `attempts` are the router's (every member tried or skipped, in order). */
  readonly succeed = (reply: {
    attempts?: RouteAttempt[] | undefined;
    client?: string | undefined;
  }): void => {
    if (this.#done) return;
    this.#done = true;
    const span = this.#span;
    if (span === undefined) return;
    const attributes = tried(reply.attempts);
    const answered = reply.client ?? lastTried(reply.attempts);
    if (answered !== undefined) attributes["dspex.client.answered"] = answered;
    span.setAttributes(attributes);
    span.end(epochNow());
  };

  /** No member answered: the router's error (the last member's, with every attempt). */
  readonly fail = (error: unknown): void => {
    if (this.#done) return;
    this.#done = true;
    const span = this.#span;
    if (span === undefined) return;
    const data = error as Partial<DspexError>;
    const code = typeof data.code === "string" ? data.code : "ERR_UNKNOWN";
    const attributes = tried(data.attempts);
    attributes["error.type"] = code;
    span.setAttributes(attributes);
    span.setStatus({
      code: this.host.statusError,
      message: typeof data.message === "string" ? data.message : code,
    });
    span.end(epochNow());
  };

  /** A routed stream the caller left early: not an error. */
  closed(): void {
    if (this.#done) return;
    this.#span?.setAttribute("dspex.stream.closed_early", true);
    this.succeed({});
  }
}

/** `dspex.router.tried` (the members that took the call, in order) and `.skipped`, from the attempts. */
function tried(attempts: readonly RouteAttempt[] | undefined): Attributes {
  const out: Attributes = {};
  if (attempts === undefined) return out;
  const members: string[] = [];
  const skipped: string[] = [];
  for (const attempt of attempts) (attempt.skipped === true ? skipped : members).push(attempt.client);
  out["dspex.router.tried"] = members;
  if (skipped.length > 0) out["dspex.router.skipped"] = skipped;
  return out;
}

function lastTried(attempts: readonly RouteAttempt[] | undefined): string | undefined {
  if (attempts === undefined) return undefined;
  for (let i = attempts.length - 1; i >= 0; i--) {
    const attempt = attempts[i] as RouteAttempt;
    if (attempt.skipped !== true && attempt.code === undefined) return attempt.client;
  }
  return undefined;
}
