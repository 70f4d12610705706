/**
 * The mock's well-behaved path: a request that no scripted fault took is checked the way its vendor
 * checks it (`vendorRefusal.ts`), charged against its key's limits on arrival and its completion when
 * answered (`limits.ts`), refused while an outage covers it (`outage.ts`), then answered: the chat
 * answer (the `answer` option's text or turn, cut to `max_tokens` words) written by its wire format,
 * whole or streamed, or the embeddings of `embeddingsWire.ts`.
 */
import { countWords, limitWords } from "./answer.js";
import { answerEmbeddings, type EmbeddingRoute } from "./embeddingsWire.js";
import { type KeyLimiter, limitFormat, requestKey } from "./limits.js";
import { type Outages, outageStatus } from "./outage.js";
import type { Exchange, Replies } from "./Replies.js";
import { type MockTurn, planTurn } from "./turn.js";
import type { Fault, MockAnswerInput } from "./types.js";
import { vendorRefusal } from "./vendorRefusal.js";
import type { Arrival } from "./WireRouter.js";
import type { PlannedAnswer, WireFormat } from "./wire.js";

/** What the answerer works with: the server's parts. */
export interface AnswererParts {
  readonly replies: Replies;
  readonly limits: KeyLimiter;
  readonly outages: Outages;
  /** Writes the 404 of a path no wire format takes. */
  readonly fallback: WireFormat;
  /** The one API key the mock accepts (`undefined`: any). */
  readonly apiKey: string | undefined;
  /** The answer text (or turn) of a chat request. */
  readonly answer: (input: MockAnswerInput) => string | MockTurn;
  /** Words per streamed chunk. */
  readonly chunkSize: number;
}

/** See the module comment. */
export class Answerer {
  readonly #parts: AnswererParts;
  /** Milliseconds between streamed chunks (the server's `setChunkDelay`). */
  chunkDelayMs = 0;
  #ids = 0;

  constructor(parts: AnswererParts) {
    this.#parts = parts;
  }

  /**
   * Vendors charge a request against the key's limits when it arrives, and refuse it at once when it
   * does not fit: one request and its prompt tokens now, its completion tokens when it is answered.
   * Requests the wire format will refuse anyway (unknown path, wrong method or key, bad body) are not
   * charged. Returns false when the request was refused (429 sent).
   */
  chargeArrival(exchange: Exchange, arrival: Arrival): boolean {
    const { req } = exchange;
    const wire = arrival.wire;
    // Embeddings are charged once, when answered (#answerEmbeddings): they have no completion.
    if (wire === undefined || arrival.embed !== undefined) return true;
    const { apiKey, fallback, limits, replies } = this.#parts;
    if (vendorRefusal(req, exchange.path, arrival, apiKey, fallback) !== undefined) return true;
    const parsed = wire.parse(arrival.body, exchange.path);
    if ("problem" in parsed) return true;
    let promptTokens = 0;
    for (const message of parsed.messages) promptTokens += countWords(message.text);
    const key = requestKey(req.headers);
    const verdict = limits.check(key, promptTokens, limitFormat(wire.provider), Date.now());
    if (!verdict.allowed) {
      replies.sendJson(exchange, wire, 429, wire.rateLimitBody(false), verdict.headers);
      return false;
    }
    arrival.limitKey = key;
    return true;
  }

  /** Checks the request like the vendor would, then answers it. */
  answer(exchange: Exchange, arrival: Arrival, fault: Fault | undefined): void {
    const { replies, limits } = this.#parts;
    const refusal = vendorRefusal(
      exchange.req,
      exchange.path,
      arrival,
      this.#parts.apiKey,
      this.#parts.fallback,
    );
    if (refusal !== undefined) {
      replies.sendJson(exchange, refusal.wire, refusal.status, refusal.body);
      return;
    }
    const wire = arrival.wire as WireFormat;
    if (arrival.embed !== undefined) {
      this.#answerEmbeddings(exchange, wire, arrival.embed, arrival.body);
      return;
    }
    const parsed = wire.parse(arrival.body, exchange.path);
    if ("problem" in parsed) {
      replies.sendJson(exchange, wire, 400, wire.errorBody(400, parsed.problem, undefined, parsed.param));
      return;
    }
    const now = Date.now();
    if (this.#down(exchange, wire, parsed.model, now)) return;
    const full = this.#parts.answer({
      provider: wire.provider,
      model: parsed.model,
      messages: parsed.messages,
      body: arrival.body as Record<string, unknown>,
    });
    const turn = planTurn(full, parsed);
    const { text, truncated } = limitWords(
      turn === undefined ? (full as string) : turn.text,
      parsed.maxWords,
    );
    let promptTokens = 0;
    for (const message of parsed.messages) promptTokens += countWords(message.text);
    const answer: PlannedAnswer = {
      id: this.#nextId(wire),
      model: parsed.model,
      text,
      truncated,
      promptTokens,
      completionTokens: countWords(text),
    };
    if (turn !== undefined) answer.turn = turn;
    // Charged on arrival (chargeArrival): the completion's tokens now, with the headers as they stand.
    const limitHeaders =
      arrival.limitKey === undefined || !limits.active
        ? undefined
        : limits.charge(arrival.limitKey, answer.completionTokens, limitFormat(wire.provider), now);
    if (parsed.stream)
      replies.stream(exchange, wire, answer, parsed.includeUsage, fault, limitHeaders, {
        chunkSize: this.#parts.chunkSize,
        chunkDelayMs: this.chunkDelayMs,
      });
    else
      replies.send(
        exchange,
        200,
        { "content-type": "application/json", ...limitHeaders },
        wire.completion(answer),
        wire,
      );
  }

  /** An embeddings request (see embeddingsWire.ts), under the same outages and limits as chat. */
  #answerEmbeddings(exchange: Exchange, wire: WireFormat, route: EmbeddingRoute, body: unknown): void {
    const { replies, limits } = this.#parts;
    const url = exchange.req.url ?? "";
    const query = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
    const answer = answerEmbeddings(route, body, query);
    if (!("body" in answer)) {
      replies.sendJson(
        exchange,
        wire,
        answer.status,
        wire.errorBody(answer.status, answer.problem, undefined, answer.param),
      );
      return;
    }
    const now = Date.now();
    const model =
      route.kind === "gemini" ? route.model : ((body as { model?: string }).model ?? route.deployment);
    if (this.#down(exchange, wire, model, now)) return;
    let limitHeaders: Record<string, string> | undefined;
    if (limits.active) {
      const verdict = limits.check(requestKey(exchange.req.headers), answer.promptTokens, "openai", now);
      if (!verdict.allowed) {
        replies.sendJson(exchange, wire, 429, wire.rateLimitBody(false), verdict.headers);
        return;
      }
      limitHeaders = verdict.headers;
    }
    replies.sendJson(exchange, wire, 200, answer.body, limitHeaders);
  }

  /** True when an outage covers the request (its error answer sent). */
  #down(exchange: Exchange, wire: WireFormat, model: string | undefined, now: number): boolean {
    const down = this.#parts.outages.match(exchange.path, model, now);
    if (down === undefined) return false;
    const status = outageStatus(down);
    this.#parts.replies.sendJson(exchange, wire, status, wire.errorBody(status));
    return true;
  }

  /** The next answer's id, in its vendor's shape. */
  #nextId(wire: WireFormat): string {
    this.#ids++;
    switch (wire.provider) {
      case "anthropic":
        return `msg_mock${this.#ids}`;
      case "gemini":
        return `resp_mock${this.#ids}`;
      default:
        return `chatcmpl-mock${this.#ids}`;
    }
  }
}
