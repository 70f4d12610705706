/**
 * The mock LLM server: one `node:http` server on 127.0.0.1 that speaks OpenAI chat completions
 * (`POST .../chat/completions`), Azure OpenAI (`.../openai/deployments/{d}/chat/completions`),
 * Anthropic messages (`POST .../messages`) and the Gemini API (`.../models/{m}:generateContent`,
 * `:streamGenerateContent`) and their embeddings (`embeddingsWire.ts`), answers deterministic
 * text, and misbehaves on demand (scripted faults). Built for speed: keep-alive, no schema validation,
 * one timer per waiting request, bounded request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { countWords, defaultAnswer, limitWords } from "./answer.js";
import { AnthropicWire } from "./anthropicWire.js";
import { AzureWire } from "./azureWire.js";
import { answerEmbeddings, type EmbeddingRoute, embeddingRoute } from "./embeddingsWire.js";
import { FaultBook } from "./faults.js";
import { GeminiWire, geminiPathModel, isGeminiPath } from "./geminiWire.js";
import { requestedSchema, sampleJson } from "./jsonSample.js";
import { KeyLimiter, requestKey } from "./limits.js";
import { OpenAiWire } from "./openaiWire.js";
import { Outages, outageStatus } from "./outage.js";
import { type Exchange, Replies } from "./Replies.js";
import { readBody } from "./requestBody.js";
import { RequestLog } from "./requestLog.js";
import { StatsBoard } from "./stats.js";
import { type MockTurn, planTurn } from "./turn.js";
import type {
  Fault,
  FaultOptions,
  MockAnswerInput,
  MockLimits,
  MockOutage,
  MockProvider,
  MockRateLimit,
  MockRequestLog,
  MockServer,
  MockServerOptions,
  MockStats,
} from "./types.js";
import type { PlannedAnswer, WireFormat } from "./wire.js";

const HOST = "127.0.0.1";
const DEFAULT_WAIT_MS = 5_000;

/** What the server read from a request before deciding how to answer it. */
interface Arrival {
  wire: WireFormat | undefined;
  body: unknown;
  /** The body was present but not JSON. */
  unparseable: boolean;
  stream: boolean;
  /** Set for an embeddings endpoint. */
  embed?: EmbeddingRoute | undefined;
  /** The API key the limits charged this request to, as it arrived (`undefined`: not charged). */
  limitKey: string | undefined;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The mock server. Use `startMockServer()`; this class is exported for `instanceof` checks only. */
export class MockLlmServer implements MockServer {
  readonly #server: Server;
  readonly #board = new StatsBoard();
  readonly #replies = new Replies(this.#board);
  readonly #faults = new FaultBook();
  readonly #log: RequestLog;
  readonly #openai: OpenAiWire;
  readonly #anthropic = new AnthropicWire();
  readonly #azure: AzureWire;
  readonly #gemini = new GeminiWire();
  readonly #exchanges = new Set<Exchange>();
  readonly #limits: KeyLimiter;
  readonly #outages = new Outages();
  readonly #apiKey: string | undefined;
  readonly #chunkSize: number;
  readonly #answer: (input: MockAnswerInput) => string | MockTurn;
  #latencyMs: number;
  #chunkDelayMs: number;
  #ids = 0;
  #port = 0;
  #closed: Promise<void> | undefined;

  constructor(options: MockServerOptions = {}) {
    this.#latencyMs = nonNegative(options.latencyMs, 0);
    this.#chunkDelayMs = nonNegative(options.chunkDelayMs, 0);
    this.#chunkSize = Math.max(1, Math.floor(nonNegative(options.chunkSize, 1)));
    this.#apiKey = options.apiKey === "" ? undefined : options.apiKey;
    this.#log = new RequestLog(nonNegative(options.logLimit, 1000));
    this.#openai = new OpenAiWire(options.rateLimit);
    this.#limits = new KeyLimiter(options.limits ?? {});
    this.#azure = new AzureWire(options.rateLimit);
    this.#answer = options.answer ?? defaultOrStructured;
    this.#server = createServer({ noDelay: true }, (req, res) => this.#onRequest(req, res));
  }

  /** Starts listening on 127.0.0.1. */
  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      // A deep accept queue (Node's default is 511): a benchmark opening thousands of connections at
      // once must not have SYNs dropped and retried after 1 s, 3 s, ... (real upstreams accept them).
      this.#server.listen({ port, host: HOST, backlog: 4096 }, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${HOST}:${this.#port}`;
  }

  get baseURL(): string {
    return `${this.url}/v1`;
  }

  get stats(): MockStats {
    return this.#board.stats;
  }

  get requests(): MockRequestLog[] {
    return this.#log.list();
  }

  setLatency(ms: number): void {
    this.#latencyMs = nonNegative(ms, 0);
  }

  setChunkDelay(ms: number): void {
    this.#chunkDelayMs = nonNegative(ms, 0);
  }

  setRateLimit(rateLimit: Partial<MockRateLimit>): void {
    this.#openai.setRateLimit(rateLimit);
  }

  setLimits(limits: MockLimits): void {
    this.#limits.set(limits);
  }

  outage(outage: MockOutage): void {
    this.#outages.add(outage, Date.now());
  }

  clearOutages(): void {
    this.#outages.clear();
  }

  fault(fault: Fault, opts?: FaultOptions): void {
    this.#faults.add(fault, opts);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  resetStats(): void {
    this.#log.clear();
    this.#board.reset();
  }

  waitFor(predicate: (s: MockStats) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#board.waitFor(predicate, timeoutMs);
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const exchange of this.#exchanges) {
        clearTimeout(exchange.timer);
        exchange.res.destroy();
      }
      this.#board.abandon();
    });
    return this.#closed;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const stats = this.#board.stats;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    const exchange: Exchange = { req, res, path, timer: undefined, droppedByServer: false };
    this.#exchanges.add(exchange);
    res.on("close", () => this.#onClose(exchange));
    this.#board.changed();

    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.on("end", () => this.#onBody(exchange, text));
  }

  #onClose(exchange: Exchange): void {
    clearTimeout(exchange.timer);
    this.#exchanges.delete(exchange);
    const stats = this.#board.stats;
    stats.inFlight--;
    if (exchange.res.writableFinished) stats.completed++;
    else if (!exchange.droppedByServer) stats.closedEarly++;
    this.#board.changed();
  }

  #onBody(exchange: Exchange, text: string): void {
    const { req, path } = exchange;
    const embed = embeddingRoute(path);
    const wire =
      embed !== undefined
        ? this.#wireOf(embed.provider)
        : path.endsWith("/chat/completions")
          ? path.includes("/openai/")
            ? this.#azure
            : this.#openai
          : path.endsWith("/messages")
            ? this.#anthropic
            : isGeminiPath(path)
              ? this.#gemini
              : undefined;
    const read = readBody(text);
    const { body, unparseable } = read;
    // Gemini names the model and the streaming in the path, not the body (Azure its deployment).
    const model =
      embed?.kind === "gemini"
        ? embed.model
        : embed?.deployment !== undefined
          ? embed.deployment
          : wire === this.#gemini
            ? geminiPathModel(path)
            : read.model;
    const stream =
      embed === undefined && (wire === this.#gemini ? path.endsWith(":streamGenerateContent") : read.stream);
    const stats = this.#board.stats;
    if (stream) stats.streams++;
    if (this.#log.enabled) {
      const provider: MockProvider = wire?.provider ?? "unknown";
      this.#log.push({
        path,
        method: req.method ?? "",
        headers: req.headers,
        body,
        provider,
        model,
        stream,
        at: Date.now(),
      });
    }

    const fault = this.#faults.take(path, model, stream);
    if (fault !== undefined) stats.faulted++;
    this.#board.changed();
    if (fault?.kind === "stall") return; // never answer; the client's close is counted by #onClose
    const arrival: Arrival = { wire, body, unparseable, stream, embed, limitKey: undefined };
    if (fault === undefined && this.#limits.active && !this.#chargeArrival(exchange, arrival)) return;
    const delay = this.#latencyMs + (fault?.kind === "delay" ? nonNegative(fault.ms, 0) : 0);
    if (delay > 0) exchange.timer = setTimeout(() => this.#respondSafely(exchange, arrival, fault), delay);
    else this.#respondSafely(exchange, arrival, fault);
  }

  /**
   * Vendors charge a request against the key's limits when it arrives, and refuse it at once when it
   * does not fit: one request and its prompt tokens now, its completion tokens when it is answered.
   * Requests the wire format will refuse anyway (unknown path, wrong method or key, bad body) are not
   * charged. Returns false when the request was refused (429 sent).
   */
  #chargeArrival(exchange: Exchange, arrival: Arrival): boolean {
    const { req } = exchange;
    const wire = arrival.wire;
    if (wire === undefined || req.method !== "POST" || arrival.unparseable) return true;
    // Embeddings are charged once, when answered (#answerEmbeddings): they have no completion.
    if (arrival.embed !== undefined) return true;
    if (this.#apiKey !== undefined && !wire.authorized(req.headers, this.#apiKey)) return true;
    if (wire.headerProblem(req.headers) !== undefined) return true;
    const parsed = wire.parse(arrival.body, exchange.path);
    if ("problem" in parsed) return true;
    let promptTokens = 0;
    for (const message of parsed.messages) promptTokens += countWords(message.text);
    const key = requestKey(req.headers);
    const verdict = this.#limits.check(key, promptTokens, limitFormat(wire.provider), Date.now());
    if (!verdict.allowed) {
      this.#replies.sendJson(exchange, wire, 429, wire.rateLimitBody(false), verdict.headers);
      return false;
    }
    arrival.limitKey = key;
    return true;
  }

  /**
   * A throwing `answer` override or an invalid scripted header must not crash the process that hosts the
   * mock (usually a test runner): answer 500 instead, or cut the connection when headers already went out.
   */
  #respondSafely(exchange: Exchange, arrival: Arrival, fault: Fault | undefined): void {
    try {
      this.#respond(exchange, arrival, fault);
    } catch (error) {
      const { res } = exchange;
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const message = `mock server failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#replies.sendJson(
        exchange,
        this.#openai,
        500,
        this.#openai.errorBody(500, message, "mock_server_error"),
      );
    }
  }

  #respond(exchange: Exchange, arrival: Arrival, fault: Fault | undefined): void {
    exchange.timer = undefined;
    if (exchange.res.destroyed) return;
    const wire = arrival.wire ?? this.#openai;
    if (!this.#replies.misbehave(exchange, wire, arrival.stream, fault))
      this.#answerRequest(exchange, arrival, fault);
  }

  /** The well-behaved path: check the request like the vendor would, then answer it. */
  #answerRequest(exchange: Exchange, arrival: Arrival, fault: Fault | undefined): void {
    const { req } = exchange;
    const wire = arrival.wire;
    if (wire === undefined) {
      const body = this.#openai.errorBody(404, `Invalid URL (${req.method} ${exchange.path})`, "unknown_url");
      this.#replies.sendJson(exchange, this.#openai, 404, body);
      return;
    }
    if (req.method !== "POST") {
      this.#replies.sendJson(
        exchange,
        wire,
        405,
        wire.errorBody(405, `Method ${req.method} not allowed; use POST.`),
      );
      return;
    }
    if (this.#apiKey !== undefined && !wire.authorized(req.headers, this.#apiKey)) {
      this.#replies.sendJson(exchange, wire, 401, wire.errorBody(401));
      return;
    }
    const headerProblem = wire.headerProblem(req.headers);
    if (headerProblem !== undefined) {
      this.#replies.sendJson(
        exchange,
        wire,
        400,
        wire.errorBody(400, headerProblem.problem, undefined, headerProblem.param),
      );
      return;
    }
    if (arrival.unparseable) {
      const message = "We could not parse the JSON body of your request.";
      this.#replies.sendJson(exchange, wire, 400, wire.errorBody(400, message));
      return;
    }
    if (arrival.embed !== undefined) {
      this.#answerEmbeddings(exchange, wire, arrival.embed, arrival.body);
      return;
    }
    const parsed = wire.parse(arrival.body, exchange.path);
    if ("problem" in parsed) {
      this.#replies.sendJson(
        exchange,
        wire,
        400,
        wire.errorBody(400, parsed.problem, undefined, parsed.param),
      );
      return;
    }
    const now = Date.now();
    const down = this.#outages.match(exchange.path, parsed.model, now);
    if (down !== undefined) {
      const status = outageStatus(down);
      this.#replies.sendJson(exchange, wire, status, wire.errorBody(status));
      return;
    }
    const full = this.#answer({
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
    // Charged on arrival (#chargeArrival): the completion's tokens now, with the headers as they stand.
    const limitHeaders =
      arrival.limitKey === undefined || !this.#limits.active
        ? undefined
        : this.#limits.charge(arrival.limitKey, answer.completionTokens, limitFormat(wire.provider), now);
    if (parsed.stream)
      this.#replies.stream(exchange, wire, answer, parsed.includeUsage, fault, limitHeaders, {
        chunkSize: this.#chunkSize,
        chunkDelayMs: this.#chunkDelayMs,
      });
    else
      this.#replies.send(
        exchange,
        200,
        { "content-type": "application/json", ...limitHeaders },
        wire.completion(answer),
        wire,
      );
  }

  /** An embeddings request (see embeddingsWire.ts), under the same outages and limits as chat. */
  #answerEmbeddings(exchange: Exchange, wire: WireFormat, route: EmbeddingRoute, body: unknown): void {
    const url = exchange.req.url ?? "";
    const query = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
    const answer = answerEmbeddings(route, body, query);
    if (!("body" in answer)) {
      this.#replies.sendJson(
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
    const down = this.#outages.match(exchange.path, model, now);
    if (down !== undefined) {
      const status = outageStatus(down);
      this.#replies.sendJson(exchange, wire, status, wire.errorBody(status));
      return;
    }
    let limitHeaders: Record<string, string> | undefined;
    if (this.#limits.active) {
      const verdict = this.#limits.check(
        requestKey(exchange.req.headers),
        answer.promptTokens,
        "openai",
        now,
      );
      if (!verdict.allowed) {
        this.#replies.sendJson(exchange, wire, 429, wire.rateLimitBody(false), verdict.headers);
        return;
      }
      limitHeaders = verdict.headers;
    }
    this.#replies.sendJson(exchange, wire, 200, answer.body, limitHeaders);
  }

  #wireOf(provider: "openai" | "azure" | "gemini"): WireFormat {
    return provider === "azure" ? this.#azure : provider === "gemini" ? this.#gemini : this.#openai;
  }

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

/** Which vendor's rate-limit headers a wire format sends: Anthropic's own, the OpenAI shape for the rest. */
function limitFormat(provider: string): "openai" | "anthropic" {
  return provider === "anthropic" ? "anthropic" : "openai";
}

/** Starts a mock LLM server on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const server = new MockLlmServer(options);
  await server.listen(nonNegative(options.port, 0));
  return server;
}

/** The built-in answer: a JSON value valid against the request's schema when it asks for one, else text. */
function defaultOrStructured(input: MockAnswerInput): string {
  const schema = requestedSchema(input.body);
  return schema === undefined ? defaultAnswer(input.messages) : JSON.stringify(sampleJson(schema));
}
