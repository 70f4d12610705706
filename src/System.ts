/**
 * The system: a root supervisor, one {@link ClientProxy} per named client, and the caller's API
 * (`call`, `stream`, `kill`, `inspect`, `stop`, `on`).
 *
 * `createSystem` validates the whole tree before any thread starts, starts children in order, and
 * resolves once every client is ready; if one cannot start it stops what it started and rejects.
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Subscription } from "../supervisor/Child.js";
import type { Supervisor } from "../supervisor/Supervisor.js";
import { buildSupervisorTree } from "../supervisor/SupervisorTree.js";
import { type AdminClient, adminFacade } from "./AdminClient.js";
import { CALLER_STACKS_DEFAULT, CallerStack } from "./CallerStack.js";
import { ClientChild } from "./ClientChild.js";
import { ClientProxy } from "./ClientProxy.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { DEFAULTS } from "./defaults.js";
import { type EmbedSplit, splitEmbedOptions, takeInputs } from "./embedAdmission.js";
import type { EmbedOptions, EmbedReply } from "./embedTypes.js";
import { DspexError, dspexError, invalidArgument, StartFailedError } from "./errors.js";
import { type EventOf, type SystemEvent, SystemEvents, type SystemEventType } from "./events.js";
import type { ClientNames } from "./names.js";
import type { ObserveOptions, Observer } from "./observer/ObserverServer.js";
import { observe } from "./observer/observe.js";
import { openStream } from "./PendingStream.js";
import type { AdminApi } from "./protocol.js";
import { ReplyStream } from "./ReplyStream.js";
import { redactAll, scrubDeep } from "./redact.js";
import { ClientMember, type ProxyCalls, type RouteMember } from "./router/RouteMember.js";
import { Router } from "./router/Router.js";
import { RouterChild } from "./router/RouterChild.js";
import type { ResolvedRouterSpec } from "./router/RouterSpec.js";
import { structuredOutput } from "./StructuredOutput.js";
import { openStructuredStream } from "./StructuredStream.js";
import { clientsOf, type ResolvedSystemSpec, resolveSystemSpec } from "./SystemSpec.js";
import { Telemetry, type TelemetryOptions } from "./telemetry/Telemetry.js";
import { TracedRouter } from "./telemetry/TracedRouter.js";
import { CatalogThread } from "./traffic/CatalogThread.js";
import { countTokens, noTokens } from "./traffic/cost.js";
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
  SystemSpec,
  WireMessage,
} from "./types.js";
import { type SplitOptions, splitOptions, takeMessages } from "./validate.js";
import { WarmSpawner } from "./WarmSpawner.js";
import { defaultSpawner, type WorkerSpawner } from "./WorkerSpawner.js";

/** Options of {@link createSystem} that are not part of the tree. */
export interface SystemOptions {
  /** Starts worker threads (default: the real client worker). Tests inject fixture workers here. */
  spawner?: WorkerSpawner;
  /**
   * Keep one pre-loaded standby worker so that a restart skips module loading (one idle thread per
   * system, started once the tree is up). Default `DEFAULTS.system.warmSpare`; the figures behind it are
   * in docs/decisions.md. Ignored when `spawner` is given. See src/WarmSpawner.ts.
   */
  warmSpare?: boolean;
  /**
   * Give each error the stack of the caller's `call` / `stream` (captured at admission; a few µs per
   * call, see src/CallerStack.ts). Default: on unless `NODE_ENV === "production"`.
   */
  callerStacks?: boolean;
  /**
   * The Node.js flags of every client worker. Default: the host's own flags that a worker can take
   * (preloads such as `--import tsx` included; entry-point, inspector, watch and test flags left out;
   * see src/hostFlags.ts). `[]` starts workers with no flags. Ignored when `spawner` is given.
   */
  workerExecArgv?: readonly string[];
  /**
   * OpenTelemetry settings (see docs/observability.md), or `false` to turn every telemetry hook off.
   * By default dspex reports to the globally registered providers when `@opentelemetry/api` is
   * installed, and costs nothing when no SDK is registered.
   */
  telemetry?: TelemetryOptions | false;
}

/** The lifecycle of a system. */
export type SystemState = "running" | "stopping" | "stopped" | "failed";

/**
 * Validates `spec`, starts the tree, and resolves once every client is ready. A spec written as a
 * literal types the system with its client names ({@link ClientNames}); a spec typed `SystemSpec`
 * gives a `System<string>`.
 */
export async function createSystem<const S extends SystemSpec>(
  spec: S,
  options: SystemOptions = {},
): Promise<System<ClientNames<S>>> {
  const resolved = resolveSystemSpec(spec);
  const execArgv = options.workerExecArgv;
  if (execArgv !== undefined && (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === "string")))
    throw invalidArgument("options.workerExecArgv", "must be an array of strings");
  // The real worker's threads boot ahead of their start (see src/WarmSpawner.ts); injected spawners'
  // fixture workers are started one at a time, as they are given.
  const warm =
    options.spawner === undefined
      ? new WarmSpawner(undefined, execArgv, { spare: options.warmSpare ?? DEFAULTS.system.warmSpare })
      : undefined;
  const stacks = options.callerStacks ?? CALLER_STACKS_DEFAULT;
  return System.create<ClientNames<S>>(
    resolved,
    options.spawner ?? warm?.spawn ?? defaultSpawner,
    warm,
    stacks,
    options.telemetry,
  );
}

/** A call or stream admitted: its client and the snapshot of what the caller passed. */
interface Admitted {
  proxy: ClientProxy;
  messages: WireMessage[];
  options: SplitOptions;
}

/** A call or stream admitted to a router: the router and the snapshot of what the caller passed. */
interface Routed {
  router: Router;
  messages: WireMessage[];
  options: SplitOptions;
}

/**
 * A running supervision tree of LLM clients. Build one with {@link createSystem}. `Name` is the union
 * of the names `call`, `stream` and `kill` accept (`string` for a spec built at run time).
 */
export class System<Name extends string = string> {
  readonly #events = new SystemEvents();
  readonly #proxies = new Map<string, ClientProxy>();
  readonly #clients = new Map<string, ClientChild>();
  readonly #routers = new Map<string, Router>();
  /** Routers' view of each member, made once per name (a client keeps its proxy across restarts). */
  readonly #members = new Map<string, RouteMember>();
  readonly #root: Supervisor;
  readonly #secrets: string[];
  #state: SystemState = "running";
  readonly #warm: WarmSpawner | undefined;
  readonly #prices: PriceBook;
  #stopping: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;
  readonly #stacks: boolean;
  #telemetry: Telemetry | undefined;
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
      system.#telemetry = await Telemetry.create(telemetry ?? {}, () => system.#proxies.values());
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
    const router = (child: ResolvedRouterSpec): RouterChild => {
      const routed = new Router(child, { member: (name) => this.#member(name), emit });
      this.#routers.set(child.name, routed);
      return new RouterChild(routed);
    };
    const client = (child: ResolvedClientSpec): ClientChild => {
      const proxy = new ClientProxy(child, prices);
      proxy.onUsage = (usage, cost) => {
        if (!this.#events.has("usage")) return;
        const tokens = noTokens();
        countTokens(tokens, usage);
        emit(
          cost === undefined
            ? { type: "usage", client: child.name, tokens }
            : { type: "usage", client: child.name, tokens, cost },
        );
      };
      proxy.onWorkerEvent = ({ event }) => {
        if (event.kind === "breaker") {
          emit({ type: "breaker", client: child.name, state: event.state, previous: event.previous });
        } else if (event.kind === "cooldown") {
          emit({ type: "cooldown", client: child.name, until: event.until });
        } else if (event.kind === "retry") {
          const { kind: _, id: __, ...rest } = event;
          emit({ type: "retry", client: child.name, ...rest });
        }
      };
      const started = new ClientChild(child, proxy, spawner, warm);
      this.#proxies.set(child.name, proxy);
      this.#clients.set(child.name, started);
      return started;
    };
    this.#root = buildSupervisorTree(spec, {
      leaf: (leaf) => (leaf.type === "router" ? router(leaf) : client(leaf)),
      emit,
    });
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
    return [...this.#proxies.keys()];
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
      return this.#callWithSchema(name, messages, options);
    }
    const stack = this.#stacks ? new CallerStack(System.prototype.call) : undefined;
    let admitted: Admitted | Routed;
    try {
      admitted = this.#admit(name, messages, options, false);
    } catch (error) {
      return Promise.reject(this.#admissionError(error, stack));
    }
    if ("router" in admitted) return this.#routed(admitted.router).call(admitted.messages, admitted.options);
    return this.#calls.call(admitted.proxy, admitted.messages, admitted.options, stack);
  }

  /**
   * How a call, stream or embed reaches one client, the caller's or a router member's: traced when
   * anything listens (a member's span under its router's, `controls.route`).
   */
  readonly #calls: ProxyCalls = {
    call: (proxy, messages, options, stack) => {
      const trace = this.#telemetry?.begin(
        "call",
        proxy.spec,
        messages,
        options.params,
        options.controls.route,
      );
      if (trace === undefined) return proxy.call(messages, options, stack);
      trace.open();
      const reply = proxy.call(messages, options, stack, trace);
      reply.then(trace.succeed, trace.fail);
      return reply;
    },
    stream: (proxy, messages, options, stack) => {
      const trace = this.#telemetry?.begin(
        "stream",
        proxy.spec,
        messages,
        options.params,
        options.controls.route,
      );
      return openStream(proxy, messages, options, stack, trace);
    },
    embed: (proxy, inputs, options, stack) => {
      const trace = this.#telemetry?.begin("embed", proxy.spec, undefined, {}, options.controls.route);
      if (trace === undefined) return proxy.embed(inputs, options, stack);
      trace.open();
      trace.embedding(inputs.length, options.params.dimensions);
      const reply = proxy.embed(inputs, options, stack, trace);
      reply.then(trace.succeedEmbed, trace.fail);
      return reply;
    },
  };

  /** A router as its callers reach it: traced when the system has telemetry (src/telemetry/TracedRouter.ts). */
  #routed(router: Router): RouteMember {
    return this.#telemetry === undefined ? router : this.#member(router.name);
  }

  /** `call` with structured output: the schema's JSON Schema goes out, the answer is validated here. */
  async #callWithSchema(
    name: Name,
    messages: unknown,
    options: CallOptions & Partial<SchemaOptions>,
  ): Promise<ParsedReply<unknown>> {
    const { schema, jsonSchema, ...rest } = options;
    if (schema === undefined) throw invalidArgument("options.jsonSchema", "is only read with `schema`");
    if (rest.responseFormat !== undefined) {
      throw invalidArgument("options.responseFormat", "cannot be set with `schema` (the schema sets it)");
    }
    // Taken now, as `call` promises: the schema's conversion below may wait.
    const taken = takeMessages(messages) as readonly ChatMessage[];
    const output = await structuredOutput(schema, jsonSchema);
    const reply = await this.call(name, taken, { ...rest, responseFormat: output.responseFormat });
    return { ...reply, parsed: await output.parse(reply.text) };
  }

  /**
   * Streams the answer of client `name`: an async iterable of chunks whose texts, joined, equal what
   * `call` returns (see docs/streaming.md). Never throws: what `call` would reject with (a bad
   * argument, an unknown client, a stopped system) is thrown by the first pull.
   */
  stream(
    name: Name,
    messages: readonly ChatMessage[],
    options?: StreamOptions & Partial<SchemaOptions>,
  ): ReplyStream {
    if (options?.schema !== undefined || options?.jsonSchema !== undefined) {
      return this.#streamWithSchema(name, messages, options);
    }
    const stack = this.#stacks ? new CallerStack(System.prototype.stream) : undefined;
    try {
      const admitted = this.#admit(name, messages, options, true);
      if ("router" in admitted)
        return this.#routed(admitted.router).stream(admitted.messages, admitted.options);
      return this.#calls.stream(admitted.proxy, admitted.messages, admitted.options, stack);
    } catch (error) {
      return ReplyStream.failed(this.#admissionError(error, stack));
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
    let target: ClientProxy | Router;
    let taken: string[];
    let split: EmbedSplit;
    try {
      if (typeof name !== "string") throw invalidArgument("name", "must be a client's name (a string)");
      const found = this.#proxies.get(name) ?? this.#routers.get(name);
      if (found === undefined) throw this.#unknown(name);
      if (this.#state !== "running") throw this.#notRunning(name);
      if (found instanceof ClientProxy && found.spec.provider === "anthropic")
        throw invalidArgument("name", `client "${name}" speaks anthropic, which has no embeddings API`);
      target = found;
      taken = takeInputs(inputs);
      split = splitEmbedOptions(options);
    } catch (error) {
      return Promise.reject(this.#admissionError(error, stack));
    }
    if (target instanceof Router) return this.#routed(target).embed(taken, split);
    return this.#calls.embed(target, taken, split, stack);
  }

  /**
   * `stream` with structured output: the schema's JSON Schema goes out, and the streamed text is
   * validated here when it ends; the last chunk carries `parsed` (src/StructuredStream.ts).
   */
  #streamWithSchema(
    name: Name,
    messages: unknown,
    options: StreamOptions & Partial<SchemaOptions>,
  ): ReplyStream {
    const stack = this.#stacks ? new CallerStack(System.prototype.stream) : undefined;
    const { schema, jsonSchema, ...rest } = options;
    let taken: readonly ChatMessage[];
    try {
      if (schema === undefined) throw invalidArgument("options.jsonSchema", "is only read with `schema`");
      if (rest.responseFormat !== undefined) {
        throw invalidArgument("options.responseFormat", "cannot be set with `schema` (the schema sets it)");
      }
      // Taken now, as `stream` promises: the schema's conversion may wait.
      taken = takeMessages(messages) as readonly ChatMessage[];
    } catch (error) {
      return ReplyStream.failed(this.#admissionError(error, stack));
    }
    const output = structuredOutput(schema, jsonSchema);
    output.catch(() => undefined); // surfaces on the first pull
    const proxy = typeof name === "string" ? this.#proxies.get(name) : undefined;
    return openStructuredStream({
      name: String(name),
      output,
      open: (responseFormat) => this.stream(name, taken, { ...rest, responseFormat }),
      highWaterMark: proxy?.spec.stream.highWaterMark ?? DEFAULTS.stream.highWaterMark,
      signal: rest.signal,
      stack,
    });
  }

  /**
   * What `call` and `stream` share: the client by name, the system's state, and the snapshot of
   * `messages` and `options` (see src/validate.ts). Throws the error the caller gets.
   */
  #admit(name: unknown, messages: unknown, options: unknown, streaming: boolean): Admitted | Routed {
    if (typeof name !== "string") throw invalidArgument("name", "must be a client's name (a string)");
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) {
      const router = this.#routers.get(name);
      if (router === undefined) throw this.#unknown(name);
      if (this.#state !== "running") throw this.#notRunning(name);
      return { router, messages: takeMessages(messages), options: splitOptions(options, streaming) };
    }
    if (this.#state !== "running") throw this.#notRunning(name);
    return { proxy, messages: takeMessages(messages), options: splitOptions(options, streaming) };
  }

  /** A router's member by name: a client's proxy and lifecycle, or a router. */
  #member(name: string): RouteMember {
    let member = this.#members.get(name);
    if (member === undefined) {
      const router = this.#routers.get(name);
      const proxy = this.#proxies.get(name);
      const child = this.#clients.get(name);
      const telemetry = this.#telemetry;
      if (router !== undefined)
        member = telemetry === undefined ? router : new TracedRouter(router, telemetry);
      else if (proxy !== undefined && child !== undefined)
        member = new ClientMember(proxy, child, this.#calls);
      else throw this.#unknown(name);
      this.#members.set(name, member);
    }
    return member;
  }

  /** Whatever admission threw, as a typed error with the caller's stack. */
  #admissionError(error: unknown, stack: CallerStack | undefined): DspexError {
    const typed =
      error instanceof DspexError
        ? error
        : dspexError("ERR_INVALID_ARGUMENT", "the call's arguments could not be read", undefined, {
            cause: error,
          });
    stack?.applyTo(typed);
    return typed;
  }

  /** Kills the client's worker abruptly, as a crash would; its supervisor then applies its strategy. */
  async kill(name: Name): Promise<void> {
    const client = this.#clients.get(name);
    if (client === undefined) throw this.#unknown(name);
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
    const client = this.#clients.get(name);
    if (client === undefined) throw this.#unknown(name);
    if (this.#state !== "running") throw this.#notRunning(name);
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
    if (this.#state !== "running") throw this.#notRunning("observer");
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
      for (const proxy of this.#proxies.values()) proxy.retire("ERR_SYSTEM_STOPPED");
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
    for (const proxy of this.#proxies.values()) proxy.retire("ERR_SYSTEM_STOPPED");
    const terminated = [...this.#clients.values()].map((client) => client.destroy());
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

  #unknown(name: string): DspexError {
    const known = [...this.#proxies.keys(), ...this.#routers.keys()].join(", ");
    return dspexError("ERR_UNKNOWN_CLIENT", `no client named ${JSON.stringify(name)} (known: ${known})`);
  }

  #notRunning(name: string): DspexError {
    if (this.#state === "failed") {
      return dspexError("ERR_CLIENT_UNAVAILABLE", "the system failed: its root supervisor gave up", {
        client: name,
      });
    }
    return dspexError("ERR_SYSTEM_STOPPED", "the system is stopping or stopped", { client: name });
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

export { DspexError };
