/**
 * The system: a running supervision tree and the caller's API (`call`, `stream`, `embed`, `kill`,
 * `admin`, `observe`, `inspect`, `on`, `stop`, `destroy`). Its parts: `createSystem.ts` (the front
 * door: validation, how threads start), `SystemNodes.ts` (the tree's clients and routers by name),
 * `systemAdmission.ts` (what every request passes at the door), `schemaRequests.ts` (the `schema`
 * option). Starting the tree starts children in order and resolves once every client is ready; if
 * one cannot start it stops what it started and rejects.
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Subscription } from "../supervisor/Child.js";
import type { Supervisor } from "../supervisor/Supervisor.js";
import { buildSupervisorTree } from "../supervisor/SupervisorTree.js";
import { type AdminClient, adminFacade } from "./AdminClient.js";
import { CallerStack } from "./CallerStack.js";
import { DEFAULTS } from "./defaults.js";
import type { EmbedOptions, EmbedReply } from "./embedTypes.js";
import { DspexError, dspexError, StartFailedError } from "./errors.js";
import { type EventOf, type SystemEvent, SystemEvents, type SystemEventType } from "./events.js";
import type { ObserveOptions, Observer } from "./observer/ObserverServer.js";
import { observe } from "./observer/observe.js";
import type { AdminApi } from "./protocol.js";
import { ReplyStream } from "./ReplyStream.js";
import { redactAll, scrubDeep } from "./redact.js";
import type { ProxyCalls, RouteMember } from "./router/RouteMember.js";
import { Router } from "./router/Router.js";
import { SystemNodes } from "./SystemNodes.js";
import { clientsOf, type ResolvedSystemSpec } from "./SystemSpec.js";
import { callWithSchema, type SchemaStreamDeps, streamWithSchema } from "./schemaRequests.js";
import {
  type Admitted,
  type AdmittedEmbed,
  admissionError,
  admit,
  admitEmbed,
  notRunning,
  type Routed,
} from "./systemAdmission.js";
import { Telemetry, type TelemetryOptions } from "./telemetry/Telemetry.js";
import { tracedCalls } from "./telemetry/tracedCalls.js";
import { CatalogThread } from "./traffic/CatalogThread.js";
import { PriceBook } from "./traffic/PriceBook.js";
import type {
  CallOptions,
  ChatMessage,
  InferSchemaOutput,
  NodeSnapshot,
  ParsedReply,
  Reply,
  SchemaOptions,
  StreamOptions,
} from "./types.js";
import type { WarmSpawner } from "./WarmSpawner.js";
import type { WorkerSpawner } from "./WorkerSpawner.js";

/** The lifecycle of a system. */
export type SystemState = "running" | "stopping" | "stopped" | "failed";

/**
 * A running supervision tree of LLM clients. Build one with {@link createSystem}. `Name` is the union
 * of the names `call`, `stream` and `kill` accept (`string` for a spec built at run time).
 */
export class System<Name extends string = string> {
  readonly #events = new SystemEvents();
  readonly #nodes: SystemNodes;
  readonly #root: Supervisor;
  readonly #secrets: string[];
  #state: SystemState = "running";
  readonly #warm: WarmSpawner | undefined;
  readonly #prices: PriceBook;
  #stopping: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;
  readonly #stacks: boolean;
  #telemetry: Telemetry | undefined;
  /** How a request reaches one client: traced when anything listens (src/telemetry/tracedCalls.ts). */
  readonly #calls: ProxyCalls = tracedCalls(() => this.#telemetry);
  readonly #observers = new Set<Observer>();

  /**
   * Builds and starts a system (what {@link createSystem} does after validation).
   * @internal
   */
  static async create<N extends string = string>(
    spec: ResolvedSystemSpec,
    spawner: WorkerSpawner,
    warm: WarmSpawner | undefined,
    stacks: boolean,
    telemetry?: TelemetryOptions | false,
  ): Promise<System<N>> {
    // The price catalog loads in its own thread once the tree is up, off the start's critical path;
    // answers that arrive before it has priced their model wait for it (src/traffic/PriceBook.ts).
    const prices = new PriceBook(new CatalogThread());
    const system = new System<N>(spec, spawner, warm, stacks, prices);
    if (telemetry !== false)
      system.#telemetry = await Telemetry.create(telemetry ?? {}, () => system.#nodes.proxies.values());
    await system.#start();
    const models = new Map(clientsOf(spec).map((c) => [`${c.provider}\u0000${c.model}`, c]));
    void prices.preload([...models.values()].map((c) => ({ provider: c.provider, model: c.model })));
    return system;
  }

  private constructor(
    spec: ResolvedSystemSpec,
    spawner: WorkerSpawner,
    warm: WarmSpawner | undefined,
    stacks: boolean,
    prices: PriceBook,
  ) {
    this.#warm = warm;
    this.#prices = prices;
    this.#stacks = stacks;
    this.#secrets = clientsOf(spec).flatMap((c) => (c.apiKey === undefined ? [] : [c.apiKey]));
    const emit = (event: SystemEvent) => {
      const scrubbed = this.#scrub(event);
      this.#telemetry?.event(scrubbed);
      this.#events.emit(scrubbed);
    };
    this.#nodes = new SystemNodes({
      prices,
      spawner,
      warm,
      emit,
      listened: (type) => this.#events.has(type),
      calls: this.#calls,
      telemetry: () => this.#telemetry,
    });
    this.#root = buildSupervisorTree(spec, { leaf: (leaf) => this.#nodes.leaf(leaf), emit });
    this.#root.onExit((reason) => {
      if (this.#state !== "running") return;
      this.#state = "failed";
      // Nobody above the root: its clients will not come back, so held and later calls reject now.
      this.#root.retire("unavailable");
      void this.#warm?.close();
      const message = reason.kind === "normal" ? "the root supervisor exited" : reason.message;
      emit({ type: "system_failed", message });
    });
  }

  /** Starts the tree; on failure everything started is stopped and a typed error thrown. */
  async #start(): Promise<void> {
    try {
      await this.#root.start();
      // The spare starts once the tree is up, so it never competes with the tree's own threads.
      this.#warm?.prime();
    } catch (error) {
      this.#state = "stopped";
      await this.#root.stop();
      await Promise.all([this.#warm?.close(), this.#prices.close()]);
      const message = error instanceof Error ? error.message : String(error);
      throw new StartFailedError(
        { code: "ERR_START_FAILED", message: this.#redact(message) },
        { cause: error },
      );
    }
  }

  /** `running`, `stopping`, `stopped`, or `failed` (the root supervisor gave up). */
  get state(): SystemState {
    return this.#state;
  }

  /** Names of all clients in the tree, in start order. */
  get clientNames(): string[] {
    return [...this.#nodes.proxies.keys()];
  }

  /**
   * Sends `messages` to the client `name` and resolves with its reply. Rejects with a
   * {@link DspexError} whose `code` is one of the contract's; never throws, never hangs. The messages
   * and options are taken as they are now: changing them after `call` returns changes nothing sent.
   * With `schema`, the answer is validated on this thread and returned as `reply.parsed` (see
   * {@link SchemaOptions}).
   */
  call<S extends StandardSchemaV1>(
    name: Name,
    messages: readonly ChatMessage[],
    options: CallOptions & SchemaOptions<S>,
  ): Promise<ParsedReply<InferSchemaOutput<S>>>;
  call(name: Name, messages: readonly ChatMessage[], options?: CallOptions): Promise<Reply>;
  call(name: Name, messages: unknown, options?: CallOptions & Partial<SchemaOptions>): Promise<Reply> {
    if (options?.schema !== undefined || options?.jsonSchema !== undefined) {
      return callWithSchema((n: Name, m, o) => this.call(n, m, o), name, messages, options);
    }
    const stack = this.#stacks ? new CallerStack(System.prototype.call) : undefined;
    let admitted: Admitted | Routed;
    try {
      admitted = admit(this.#nodes, this.#state, name, messages, options, false);
    } catch (error) {
      return Promise.reject(admissionError(error, stack));
    }
    if ("router" in admitted) return this.#routed(admitted.router).call(admitted.messages, admitted.options);
    return this.#calls.call(admitted.proxy, admitted.messages, admitted.options, stack);
  }

  /** A router as its callers reach it: traced when the system has telemetry (src/telemetry/TracedRouter.ts). */
  #routed(router: Router): RouteMember {
    return this.#telemetry === undefined ? router : this.#nodes.member(router.name);
  }

  /**
   * Streams the answer of client `name`: an async iterable of chunks whose texts, joined, equal what
   * `call` returns (see docs/streaming.md). Never throws: what `call` would reject with (a bad
   * argument, an unknown client, a stopped system) is thrown by the first pull.
   */
  stream<S extends StandardSchemaV1>(
    name: Name,
    messages: readonly ChatMessage[],
    options: StreamOptions & SchemaOptions<S>,
  ): ReplyStream<InferSchemaOutput<S>>;
  stream(name: Name, messages: readonly ChatMessage[], options?: StreamOptions): ReplyStream;
  stream(
    name: Name,
    messages: readonly ChatMessage[],
    options?: StreamOptions & Partial<SchemaOptions>,
  ): ReplyStream {
    if (options?.schema !== undefined || options?.jsonSchema !== undefined) {
      const proxy = typeof name === "string" ? this.#nodes.proxies.get(name) : undefined;
      const deps: SchemaStreamDeps<Name> = {
        stream: (n, m, o) => this.stream(n, m, o),
        highWaterMark: proxy?.spec.stream.highWaterMark ?? DEFAULTS.stream.highWaterMark,
        stack: this.#stacks ? new CallerStack(System.prototype.stream) : undefined,
        admissionError,
      };
      return streamWithSchema(deps, name, messages, options);
    }
    const stack = this.#stacks ? new CallerStack(System.prototype.stream) : undefined;
    try {
      const admitted = admit(this.#nodes, this.#state, name, messages, options, true);
      if ("router" in admitted)
        return this.#routed(admitted.router).stream(admitted.messages, admitted.options);
      return this.#calls.stream(admitted.proxy, admitted.messages, admitted.options, stack);
    } catch (error) {
      return ReplyStream.failed(admissionError(error, stack));
    }
  }

  /**
   * Embeds `inputs` (a non-empty array of non-empty strings) with client `name` (or a router) and
   * resolves with one `Float32Array` per input, in order. Each input is cached and coalesced on its
   * own, the inputs sent are split into the provider's batches and sent concurrently, and the vectors
   * cross from the worker by transfer, not by copy (see docs/client.md, "Embeddings"). Rejects with a
   * {@link DspexError}; never throws, never hangs.
   */
  embed(name: Name, inputs: readonly string[], options?: EmbedOptions): Promise<EmbedReply> {
    const stack = this.#stacks ? new CallerStack(System.prototype.embed) : undefined;
    let admitted: AdmittedEmbed;
    try {
      admitted = admitEmbed(this.#nodes, this.#state, name, inputs, options);
    } catch (error) {
      return Promise.reject(admissionError(error, stack));
    }
    const { target, inputs: taken, options: split } = admitted;
    if (target instanceof Router) return this.#routed(target).embed(taken, split);
    return this.#calls.embed(target, taken, split, stack);
  }

  /** Kills the client's worker abruptly, as a crash would; its supervisor then applies its strategy. */
  async kill(name: Name): Promise<void> {
    const client = this.#nodes.clients.get(name);
    if (client === undefined) throw this.#nodes.unknown(name);
    await client.kill();
  }

  // --- admin operations (comlink admin port; see docs/admin.md) ---

  /**
   * Operator access to client `name`'s live worker: `clearCache()`, `cacheInfo()`, `breaker()`,
   * `mailbox()`. Each method goes to the worker running at the time of the call, so the facade stays
   * valid across restarts. Never throws; a method rejects with `ERR_UNKNOWN_CLIENT` (no such client),
   * `ERR_CLIENT_UNAVAILABLE` (no worker ready now: starting, restarting, stopped, given up, or stopped
   * before answering), `ERR_WORKER_CRASHED` (the worker died before answering), `ERR_TIMEOUT` (a live
   * worker did not answer in time), or `ERR_SYSTEM_STOPPED`.
   */
  admin(name: Name): AdminApi {
    return adminFacade(() => this.#adminOf(name));
  }

  #adminOf(name: string): AdminClient {
    const client = this.#nodes.clients.get(name);
    if (client === undefined) throw this.#nodes.unknown(name);
    if (this.#state !== "running") throw notRunning(name, this.#state);
    const admin = client.admin;
    if (admin === undefined) {
      const status = client.status;
      throw dspexError("ERR_CLIENT_UNAVAILABLE", `client "${name}" has no worker ready (${status})`, {
        client: name,
      });
    }
    return admin;
  }

  // --- end of admin operations ---

  /**
   * Serves the live observer page of this system on 127.0.0.1 (see docs/observability.md): resolves
   * with its `url` (a random token included; requests without it get 403) and `close`. The system's
   * `stop()` closes it too.
   */
  async observe(options?: ObserveOptions): Promise<Observer> {
    if (this.#state !== "running") throw notRunning("observer", this.#state);
    const observer = await observe(
      {
        inspect: () => this.inspect(),
        // Names typed on the page: an unknown one is refused by `kill`/`admin` at run time.
        kill: (name) => this.kill(name as Name),
        clearCache: (name) => this.admin(name as Name).clearCache(),
        onEvent: (listener) => {
          const subscription = this.on("*", listener);
          return () => subscription.dispose();
        },
      },
      options,
    );
    this.#observers.add(observer);
    return {
      url: observer.url,
      close: () => {
        this.#observers.delete(observer);
        return observer.close();
      },
    };
  }

  /** A plain-data snapshot of the tree. Never contains a secret. */
  inspect(): NodeSnapshot {
    return this.#root.snapshot();
  }

  /**
   * Listens to one event type (or `"*"` for all); returns a {@link Subscription}: `dispose()` it, or
   * declare it with `using sub = system.on(...)` to unsubscribe when the block ends.
   */
  on<T extends SystemEventType>(type: T, listener: (event: EventOf<T>) => void): Subscription;
  on(type: "*", listener: (event: SystemEvent) => void): Subscription;
  on(type: string, listener: (event: never) => void): Subscription {
    return this.#events.on(type as "*", listener as (event: SystemEvent) => void);
  }

  /**
   * Stops taking calls, lets calls in flight finish within each client's shutdown timeout, stops
   * children in reverse start order, and leaves no thread or socket behind. Idempotent.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    const wasFailed = this.#state === "failed";
    this.#state = "stopping";
    const observers = [...this.#observers].map((o) => o.close());
    this.#observers.clear();
    this.#stopping = Promise.all([
      this.#root.stop(),
      this.#warm?.close(),
      this.#prices.close(),
      ...observers,
    ]).then(() => {
      for (const proxy of this.#nodes.proxies.values()) proxy.retire("ERR_SYSTEM_STOPPED");
      this.#state = wasFailed ? "failed" : "stopped";
    });
    return this.#stopping;
  }

  /**
   * Hard stop, beside the graceful {@link stop} (as undici's `destroy` beside `close`): every pending
   * call and stream rejects at once with `ERR_SYSTEM_STOPPED` (admin calls too), every worker thread is
   * terminated without grace, and nothing restarts. Resolves once every thread has exited. Idempotent;
   * a graceful `stop()` in progress stops waiting for calls to finish.
   */
  destroy(): Promise<void> {
    if (this.#destroying !== undefined) return this.#destroying;
    if (this.#state === "running") this.#state = "stopping";
    for (const proxy of this.#nodes.proxies.values()) proxy.retire("ERR_SYSTEM_STOPPED");
    const terminated = [...this.#nodes.clients.values()].map((client) => client.destroy());
    this.#destroying = Promise.all([...terminated, this.stop()]).then(() => undefined);
    return this.#destroying;
  }

  /**
   * `await using system = await createSystem(spec)`: leaving the block stops the system gracefully
   * ({@link stop}).
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** @internal The warm-spare spawner the system owns, if any (tests and diagnostics). */
  get warmSpawner(): WarmSpawner | undefined {
    return this.#warm;
  }

  #redact(text: string): string {
    return redactAll(text, this.#secrets);
  }

  /**
   * Events carry messages that may quote upstream text: scrub every secret of the tree from every
   * string in them (nested data included).
   */
  #scrub(event: SystemEvent): SystemEvent {
    return scrubDeep(event, this.#secrets);
  }
}

// `createSystem` is the system's front door; importers of this module reach it here too.
export { createSystem, type SystemOptions } from "./createSystem.js";
export { DspexError };
