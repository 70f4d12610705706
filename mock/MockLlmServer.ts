/**
 * The mock LLM server: one `node:http` server on 127.0.0.1 that speaks OpenAI chat completions,
 * Azure OpenAI, Anthropic messages and the Gemini API and their embeddings (which one a request
 * speaks: `WireRouter.ts`), answers deterministic text (`Answerer.ts`), and misbehaves on demand
 * (scripted faults: `faults.ts`, written by `Replies.ts`). This module is the server itself: its
 * lifecycle, the controls of {@link MockServer}, and each request's way from arrival (counted, logged,
 * matched against the faults, charged, delayed by the latency) to the answerer.
 *
 * Built for speed: keep-alive, no schema validation, one timer per waiting request, bounded request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Answerer } from "./Answerer.js";
import { builtInAnswer } from "./answer.js";
import { FaultBook } from "./faults.js";
import { KeyLimiter } from "./limits.js";
import { Outages } from "./outage.js";
import { type Exchange, Replies } from "./Replies.js";
import { RequestLog } from "./requestLog.js";
import { StatsBoard } from "./stats.js";
import type {
  Fault,
  FaultOptions,
  MockLimits,
  MockOutage,
  MockProvider,
  MockRateLimit,
  MockRequestLog,
  MockServer,
  MockServerOptions,
  MockStats,
} from "./types.js";
import { type Arrival, WireRouter } from "./WireRouter.js";

const HOST = "127.0.0.1";
const DEFAULT_WAIT_MS = 5_000;

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
  readonly #router: WireRouter;
  readonly #answerer: Answerer;
  readonly #exchanges = new Set<Exchange>();
  readonly #limits: KeyLimiter;
  readonly #outages = new Outages();
  #latencyMs: number;
  #port = 0;
  #closed: Promise<void> | undefined;

  constructor(options: MockServerOptions = {}) {
    this.#latencyMs = nonNegative(options.latencyMs, 0);
    this.#log = new RequestLog(nonNegative(options.logLimit, 1000));
    this.#router = new WireRouter(options.rateLimit);
    this.#limits = new KeyLimiter(options.limits ?? {});
    this.#answerer = new Answerer({
      replies: this.#replies,
      limits: this.#limits,
      outages: this.#outages,
      fallback: this.#router.openai,
      apiKey: options.apiKey === "" ? undefined : options.apiKey,
      answer: options.answer ?? builtInAnswer,
      chunkSize: Math.max(1, Math.floor(nonNegative(options.chunkSize, 1))),
    });
    this.#answerer.chunkDelayMs = nonNegative(options.chunkDelayMs, 0);
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
    this.#answerer.chunkDelayMs = nonNegative(ms, 0);
  }

  setRateLimit(rateLimit: Partial<MockRateLimit>): void {
    this.#router.setRateLimit(rateLimit);
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
    const arrival = this.#router.arrive(path, text);
    const { model, stream } = arrival;
    const stats = this.#board.stats;
    if (stream) stats.streams++;
    if (this.#log.enabled) {
      const provider: MockProvider = arrival.wire?.provider ?? "unknown";
      this.#log.push({
        path,
        method: req.method ?? "",
        headers: req.headers,
        body: arrival.body,
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
    if (fault === undefined && this.#limits.active && !this.#answerer.chargeArrival(exchange, arrival))
      return;
    const delay = this.#latencyMs + (fault?.kind === "delay" ? nonNegative(fault.ms, 0) : 0);
    if (delay > 0) exchange.timer = setTimeout(() => this.#respondSafely(exchange, arrival, fault), delay);
    else this.#respondSafely(exchange, arrival, fault);
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
      const openai = this.#router.openai;
      this.#replies.sendJson(exchange, openai, 500, openai.errorBody(500, message, "mock_server_error"));
    }
  }

  #respond(exchange: Exchange, arrival: Arrival, fault: Fault | undefined): void {
    exchange.timer = undefined;
    if (exchange.res.destroyed) return;
    const wire = arrival.wire ?? this.#router.openai;
    if (!this.#replies.misbehave(exchange, wire, arrival.stream, fault))
      this.#answerer.answer(exchange, arrival, fault);
  }
}

/** Starts a mock LLM server on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const server = new MockLlmServer(options);
  await server.listen(nonNegative(options.port, 0));
  return server;
}
