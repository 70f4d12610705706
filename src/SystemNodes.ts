/**
 * The nodes of a running system by name: each client's proxy and lifecycle, each router, and the
 * routers' view of their members. It also builds each leaf when the supervision tree asks for it,
 * wiring a client's usage and worker events to the system's events (a router emits its own).
 */
import type { Child } from "../supervisor/Child.js";
import { ClientChild } from "./ClientChild.js";
import { ClientProxy } from "./ClientProxy.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { type DspexError, dspexError } from "./errors.js";
import type { SystemEvent, SystemEventType } from "./events.js";
import { ClientMember, type ProxyCalls, type RouteMember } from "./router/RouteMember.js";
import { Router } from "./router/Router.js";
import { RouterChild } from "./router/RouterChild.js";
import type { ResolvedRouterSpec } from "./router/RouterSpec.js";
import type { Telemetry } from "./telemetry/Telemetry.js";
import { TracedRouter } from "./telemetry/TracedRouter.js";
import { countTokens, noTokens } from "./traffic/cost.js";
import type { PriceBook } from "./traffic/PriceBook.js";
import type { WarmSpawner } from "./WarmSpawner.js";
import type { WorkerSpawner } from "./WorkerSpawner.js";

/** What building the leaves takes from the system. */
export interface SystemNodesDeps {
  prices: PriceBook;
  spawner: WorkerSpawner;
  warm: WarmSpawner | undefined;
  /** Emits a system event (scrubbed of secrets by the system). */
  emit(event: SystemEvent): void;
  /** True when someone listens to `type` (a usage event is built only then). */
  listened(type: SystemEventType): boolean;
  /** How a member's request reaches its client (traced, like any call: src/telemetry/tracedCalls.ts). */
  calls: ProxyCalls;
  /** The system's telemetry, if any: a router member is then traced (src/telemetry/TracedRouter.ts). */
  telemetry(): Telemetry | undefined;
}

/** See the module comment. */
export class SystemNodes {
  /** Each client's proxy, in start order. */
  readonly proxies = new Map<string, ClientProxy>();
  /** Each client's lifecycle. */
  readonly clients = new Map<string, ClientChild>();
  readonly routers = new Map<string, Router>();
  /** Routers' view of each member, made once per name (a client keeps its proxy across restarts). */
  readonly #members = new Map<string, RouteMember>();
  readonly #deps: SystemNodesDeps;

  constructor(deps: SystemNodesDeps) {
    this.#deps = deps;
  }

  /** Builds the leaf of `spec` (the supervision tree's `leaf` hook) and lists it by name. */
  leaf(spec: ResolvedClientSpec | ResolvedRouterSpec): Child {
    return spec.type === "router" ? this.#router(spec) : this.#client(spec);
  }

  /** A router's member by name: a client's proxy and lifecycle, or a router. */
  member(name: string): RouteMember {
    let member = this.#members.get(name);
    if (member === undefined) {
      const router = this.routers.get(name);
      const proxy = this.proxies.get(name);
      const child = this.clients.get(name);
      const telemetry = this.#deps.telemetry();
      if (router !== undefined)
        member = telemetry === undefined ? router : new TracedRouter(router, telemetry);
      else if (proxy !== undefined && child !== undefined)
        member = new ClientMember(proxy, child, this.#deps.calls);
      else throw this.unknown(name);
      this.#members.set(name, member);
    }
    return member;
  }

  /** `ERR_UNKNOWN_CLIENT` for `name`, listing the names there are. */
  unknown(name: string): DspexError {
    const known = [...this.proxies.keys(), ...this.routers.keys()].join(", ");
    return dspexError("ERR_UNKNOWN_CLIENT", `no client named ${JSON.stringify(name)} (known: ${known})`);
  }

  #router(spec: ResolvedRouterSpec): RouterChild {
    const routed = new Router(spec, { member: (name) => this.member(name), emit: this.#deps.emit });
    this.routers.set(spec.name, routed);
    return new RouterChild(routed);
  }

  #client(spec: ResolvedClientSpec): ClientChild {
    const { prices, spawner, warm, emit, listened } = this.#deps;
    const proxy = new ClientProxy(spec, prices);
    proxy.onUsage = (usage, cost) => {
      if (!listened("usage")) return;
      const tokens = noTokens();
      countTokens(tokens, usage);
      emit(
        cost === undefined
          ? { type: "usage", client: spec.name, tokens }
          : { type: "usage", client: spec.name, tokens, cost },
      );
    };
    proxy.onWorkerEvent = ({ event }) => {
      if (event.kind === "breaker") {
        emit({ type: "breaker", client: spec.name, state: event.state, previous: event.previous });
      } else if (event.kind === "cooldown") {
        emit({ type: "cooldown", client: spec.name, until: event.until });
      } else if (event.kind === "retry") {
        const { kind: _, id: __, ...rest } = event;
        emit({ type: "retry", client: spec.name, ...rest });
      }
    };
    const started = new ClientChild(spec, proxy, spawner, warm);
    this.proxies.set(spec.name, proxy);
    this.clients.set(spec.name, started);
    return started;
  }
}
