/**
 * The public types of the mock LLM server: its options, its handle, its counters and the faults a test
 * can script. Plain data only, so a test can snapshot or print any of it.
 */
import type { MockTurn } from "./turn.js";

/** Which vendor wire format a request spoke, decided by its path. */
export type MockProvider = "openai" | "anthropic" | "azure" | "gemini" | "unknown";

/** The OpenAI `x-ratelimit-*` header values the server sends on every OpenAI answer. */
export interface MockRateLimit {
  limitRequests: number;
  remainingRequests: number;
  /** Duration string as OpenAI writes it, e.g. `"6ms"`, `"6m0s"`. */
  resetRequests: string;
  limitTokens: number;
  remainingTokens: number;
  resetTokens: string;
}

/** One message reduced to what the answer function looks at: its role and its plain text. */
export interface MockMessage {
  /** `"system"` for OpenAI system/developer messages and the Anthropic top-level `system` field. */
  role: string;
  text: string;
}

/** What an `answer` override receives. */
export interface MockAnswerInput {
  provider: "openai" | "anthropic" | "azure" | "gemini";
  model: string;
  /** The conversation, system prompt first when there is one (same list through either provider). */
  messages: readonly MockMessage[];
  /** The parsed request body, as the client sent it. */
  body: Record<string, unknown>;
}

/** Options of `startMockServer`. Every field is optional. */
export interface MockServerOptions {
  /** Port to listen on (default 0: an ephemeral port). The server always binds 127.0.0.1 only. */
  port?: number;
  /** Delay before answering (default 0); for streams, before the first chunk. */
  latencyMs?: number;
  /** When set, requests without it get the vendor's 401 error body. */
  apiKey?: string;
  /** Streaming: delay between chunks (default 0). */
  chunkDelayMs?: number;
  /** Streaming: words per text chunk (default 1). */
  chunkSize?: number;
  /** How many recent requests `requests` keeps (default 1000; 0 keeps none) so benches don't grow memory. */
  logLimit?: number;
  /** Initial OpenAI `x-ratelimit-*` header values (defaults: generous limits, nearly full). */
  rateLimit?: Partial<MockRateLimit>;
  /**
   * Replaces the built-in answer text (`Mock answer <hash> to "<last user text>"`). Must be
   * deterministic. May return a {@link MockTurn} (reasoning, refusal, tool calls, content parts,
   * cached tokens), which each wire format writes in its vendor's shape.
   */
  answer?: (input: MockAnswerInput) => string | MockTurn;
}

/** Live counters of a mock server. The object is updated in place; `resetStats()` zeroes it. */
export interface MockStats {
  /** Requests received (every method and path). */
  requests: number;
  /** Requests received, by path (query string removed). */
  byPath: Record<string, number>;
  /** Requests whose response has not closed yet. */
  inFlight: number;
  /** Highest `inFlight` seen since the last reset. */
  maxInFlight: number;
  /** Responses sent completely. */
  completed: number;
  /** Requests whose client closed the connection before the response was complete. */
  closedEarly: number;
  /** Connections the server destroyed on purpose (`drop`, `stream_drop`). */
  dropped: number;
  /** Requests that received a scripted fault. */
  faulted: number;
  /** Requests that asked for a stream (`stream: true`). */
  streams: number;
  /** Status codes sent, by code. */
  byStatus: Record<number, number>;
}

/** One logged request, kept in `MockServer.requests`. */
export interface MockRequestLog {
  path: string;
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body; `undefined` when the body was empty or not JSON. */
  body: unknown;
  provider: MockProvider;
  /** `body.model` when it is a string. */
  model: string | undefined;
  stream: boolean;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/**
 * A scripted misbehaviour. `afterChunks` counts text chunks: the stream's opening events (OpenAI's role
 * chunk; Anthropic's message_start, content_block_start, ping) are always sent first.
 */
export type Fault =
  /** Answer with this status. A vendor-format error body is built when `body` is omitted. */
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string>; errorCode?: string }
  /** 429 with the requested retry headers (`retry-after-ms`, `retry-after`); `insufficient_quota` on demand. */
  | {
      kind: "rate_limit";
      retryAfterMs?: number;
      retryAfterSeconds?: number;
      retryAfterDate?: Date;
      insufficientQuota?: boolean;
      /** Extra headers (e.g. `x-should-retry`). */
      headers?: Record<string, string>;
    }
  /** Destroy the socket without answering. */
  | { kind: "drop" }
  /** 200 whose body is not the API's format (invalid JSON; for streams, an SSE event that is not JSON). */
  | { kind: "malformed" }
  /** Accept and never answer, until the client closes (counted in `closedEarly`). */
  | { kind: "stall" }
  /** Extra latency for this request, then a normal answer. */
  | { kind: "delay"; ms: number }
  /** Streaming: stop sending after N text chunks and keep the connection open. */
  | { kind: "stream_stall"; afterChunks: number }
  /** Streaming: an error event after N text chunks (OpenAI `data: {"error":...}`; Anthropic `event: error`), then end. */
  | { kind: "stream_error"; afterChunks: number }
  /** Streaming: destroy the socket after N text chunks. */
  | { kind: "stream_drop"; afterChunks: number }
  /**
   * A body that never ends (or ends after `bytes`): `status` (default 200), then filler with no line
   * break, as fast as the client reads, until the client closes. For calls and streams alike.
   */
  | { kind: "endless_body"; status?: number; bytes?: number };

/** Which requests a scripted fault applies to, and how many times. */
export interface FaultOptions {
  /** How many matching requests get the fault (default Infinity: until `clearFaults()`). */
  times?: number;
  /** Only requests for this model. */
  model?: string;
  /** Only requests whose path equals or ends with this (e.g. `"/v1/messages"` or `"/chat/completions"`). */
  path?: string;
}

/** A running mock server. */
export interface MockServer {
  /** `"http://127.0.0.1:PORT"`. */
  readonly url: string;
  /** `${url}/v1`: the base URL for both providers (`/v1/chat/completions`, `/v1/messages`). */
  readonly baseURL: string;
  /** The port the server listens on. */
  readonly port: number;
  /** Live counters (the same object, updated in place). */
  readonly stats: MockStats;
  /** Recent requests, oldest first (a fresh copy on every read), at most `logLimit` of them. */
  readonly requests: MockRequestLog[];
  /** Changes the delay before answering, for requests that arrive from now on. */
  setLatency(ms: number): void;
  /** Changes the delay between stream chunks, for streams that start from now on. */
  setChunkDelay(ms: number): void;
  /** Changes the `x-ratelimit-*` header values sent on OpenAI answers. */
  setRateLimit(rateLimit: Partial<MockRateLimit>): void;
  /** Script faults: the next `times` requests (default Infinity) matching `opts` get `fault`. */
  fault(fault: Fault, opts?: FaultOptions): void;
  /** Removes every scripted fault. */
  clearFaults(): void;
  /** Zeroes the counters (`inFlight` keeps counting what is really open) and empties the request log. */
  resetStats(): void;
  /** Resolves when `predicate(stats)` is true (checked now and after every request event); rejects on timeout (default 5 s). */
  waitFor(predicate: (s: MockStats) => boolean, timeoutMs?: number): Promise<void>;
  /** Closes the listener and destroys open sockets; leaves nothing keeping the process alive. */
  close(): Promise<void>;
}
