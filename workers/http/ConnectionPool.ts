/**
 * A worker's connections to its client's origin: undici `Client`s (one socket each, no pipelining),
 * up to `connections` of them, handed out from a stack of idle ones.
 *
 * Why not undici's `Pool`: to place a request, `Pool` scans its clients in order for a free one, and
 * when the one it picks turns busy it scans again to learn whether any is left (undici 7.30; the
 * second scan is gone in 8.x, which needs Node 22). Both scans are O(connections). An LLM client is
 * exactly the caller with thousands of slow requests in flight: at 2,000 in flight the scan was the
 * largest single function in the worker's profile (about 7 % of its time, docs/decisions.md). Here a
 * request takes the most recently freed client (O(1)), which also keeps the warmest sockets busy.
 *
 * What it relies on is undici's public `Client` contract, the one `Pool` itself is built on:
 * `dispatch` returns false when the client cannot take another request, and the client emits `drain`
 * when it can again. A request that finds every client busy and the pool at its bound waits in a FIFO
 * queue here (rare: the mailbox admits at most `maxConcurrency` calls upstream, and the pool has as
 * many connections).
 *
 * undici is loaded by path (its `Client`, the `Dispatcher` base and the request API that the package
 * index mixes into it), not through its index: the index loads everything (fetch, WebSocket, caches),
 * ~90 ms in every new worker thread against ~27 ms for these parts (docs/decisions.md). A worker's
 * start time is a restart's latency. undici has no `exports` map and the lockfile pins its version;
 * should a future layout differ, the package's own entry is used instead.
 */
import type { Client, Dispatcher } from "undici";
import { requireCommonJs as require } from "../loadCommonJs.js";

interface UndiciParts {
  Client: typeof Client;
  /** undici's `Dispatcher` base class, with `request`/`stream`/... mixed in. */
  Dispatcher: new () => Dispatcher;
  /** undici's internal "busy" symbol: whether a client can take no more requests now. */
  kBusy: symbol | undefined;
}

function loadUndici(): UndiciParts {
  try {
    const ClientByPath: typeof Client = require("undici/lib/dispatcher/client.js");
    const DispatcherByPath: new () => Dispatcher = require("undici/lib/dispatcher/dispatcher.js");
    const proto = DispatcherByPath.prototype as { request?: unknown };
    if (typeof proto.request !== "function") {
      Object.assign(DispatcherByPath.prototype, require("undici/lib/api/index.js"));
    }
    const symbols: { kBusy?: unknown } = require("undici/lib/core/symbols.js");
    if (typeof ClientByPath.prototype.request === "function") {
      const kBusy = typeof symbols.kBusy === "symbol" ? symbols.kBusy : undefined;
      return { Client: ClientByPath, Dispatcher: DispatcherByPath, kBusy };
    }
  } catch {
    // A different layout: fall through to the package's own entry.
  }
  const undici = require("undici") as typeof import("undici");
  return {
    Client: undici.Client,
    Dispatcher: undici.Dispatcher as unknown as new () => Dispatcher,
    kBusy: undefined,
  };
}

const undici = loadUndici();

/** Options of every connection (undici `Client` options), plus the bound. */
export interface ConnectionPoolOptions extends Client.Options {
  /** At most this many connections (at least 1). */
  connections: number;
}

interface Waiting {
  options: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
}

/** Connections to one origin; see the module comment. */
export class ConnectionPool extends undici.Dispatcher {
  readonly #origin: string;
  readonly #clientOptions: Client.Options;
  readonly #max: number;
  readonly #clients: Client[] = [];
  /** Clients that can take a request now; the most recently freed on top. */
  readonly #idle: Client[] = [];
  readonly #waiting: Waiting[] = [];
  #closed = false;

  constructor(origin: string, options: ConnectionPoolOptions) {
    super();
    const { connections, ...clientOptions } = options;
    this.#origin = origin;
    this.#clientOptions = clientOptions;
    this.#max = Math.max(1, connections);
  }

  /** Connections opened so far (each may be idle, busy or reconnecting). */
  get size(): number {
    return this.#clients.length;
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Sends `options` on an idle connection (opening one if below the bound), or queues it. */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed) {
      handler.onError?.(new Error("the connection pool is closed"));
      return false;
    }
    const client = this.#take();
    if (client === undefined) {
      this.#waiting.push({ options, handler });
      return false;
    }
    this.#send(client, options, handler);
    return true;
  }

  #take(): Client | undefined {
    const idle = this.#idle;
    while (idle.length > 0) {
      const client = idle.pop() as Client;
      if (!client.closed && !client.destroyed) return client;
    }
    if (this.#clients.length >= this.#max) return undefined;
    const client = new undici.Client(this.#origin, this.#clientOptions);
    client.on("drain", () => this.#onDrain(client));
    // undici reports a failed connect to the request (its handler's onError); this copy is not needed.
    client.on("connectionError", ignore);
    this.#clients.push(client);
    return client;
  }

  #send(client: Client, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    // false: the client is busy now and emits `drain` when it is free, except when it refused the
    // request outright (invalid options, reported to the handler), which leaves it free.
    if (client.dispatch(options, handler) || !this.#isBusy(client)) this.#idle.push(client);
  }

  #isBusy(client: Client): boolean {
    const kBusy = undici.kBusy;
    // Without the symbol (another undici layout), assume busy: `drain` then frees it, as for Pool.
    return kBusy === undefined ? true : (client as unknown as Record<symbol, boolean>)[kBusy] === true;
  }

  #onDrain(client: Client): void {
    if (this.#closed) return;
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle.push(client);
    else this.#send(client, next.options, next.handler);
  }

  /**
   * Fails the requests still waiting for a connection, lets those in flight finish, then closes every
   * connection.
   */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    this.#closed = true;
    this.#fail(new Error("the connection pool closed"));
    const done = Promise.all(this.#clients.map((c) => c.close())).then(ignore);
    if (callback === undefined) return done;
    void done.then(callback);
    return undefined;
  }

  /** Tears every connection down now; requests in flight fail. */
  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | undefined {
    const callback = typeof first === "function" ? first : second;
    const error = typeof first === "function" ? null : first;
    this.#closed = true;
    const reason = error ?? new Error("the connection pool was destroyed");
    this.#fail(reason);
    const done = Promise.all(this.#clients.map((c) => c.destroy(reason))).then(ignore);
    if (callback === undefined) return done;
    void done.then(callback);
    return undefined;
  }

  #fail(error: Error): void {
    const waiting = this.#waiting.splice(0);
    for (const w of waiting) w.handler.onError?.(error);
  }
}

function ignore(): void {}
