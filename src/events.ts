/**
 * The system's typed events. Subscribing returns a {@link Subscription}; a listener that throws is
 * isolated (reported on `process.emitWarning`) so one bad listener cannot break supervision.
 *
 * Payloads never carry a secret: error messages pass through `redact` before they are emitted.
 */
import { type Subscription, subscription } from "../supervisor/Child.js";
import type { SupervisorEvent } from "../supervisor/events.js";
import type { ErrorCode } from "./errors.js";
import type { BreakerState, TokenCounts } from "./types.js";

/** A client's circuit breaker changed state. */
export interface BreakerEvent {
  type: "breaker";
  client: string;
  state: BreakerState;
  previous: BreakerState;
}

/** A client's worker retried an upstream attempt. */
export interface RetryEvent {
  type: "retry";
  client: string;
  attempt: number;
  delayMs: number;
  code: ErrorCode;
  status?: number;
}

// --- traffic (issue 12) ---

/** A 429 with a retry hint put a client's rate gate in a cooldown: nothing is sent before `until`. */
export interface CooldownEvent {
  type: "cooldown";
  client: string;
  /** Epoch ms. */
  until: number;
}

/** A router moved a call from one member to the next. */
export interface FallbackEvent {
  type: "fallback";
  router: string;
  /** The member that failed (or was skipped without a try: `code` says why). */
  from: string;
  to: string;
  code: ErrorCode;
}

/** A client's upstream answer used tokens (cache hits use none and emit nothing). */
export interface UsageEvent {
  type: "usage";
  client: string;
  tokens: TokenCounts;
  /** US dollars, when the model's price is known. */
  cost?: number;
}

// --- end traffic ---

/** The root supervisor gave up: every pending and later call rejects with `ERR_CLIENT_UNAVAILABLE`. */
export interface SystemFailedEvent {
  type: "system_failed";
  message: string;
}

/** Every event the system emits, discriminated on `type`. */
export type SystemEvent =
  | SupervisorEvent
  | BreakerEvent
  | RetryEvent
  | SystemFailedEvent
  | CooldownEvent
  | FallbackEvent
  | UsageEvent;

/** The event names. */
export type SystemEventType = SystemEvent["type"];

/** The payload of one event type. */
export type EventOf<T extends SystemEventType> = Extract<SystemEvent, { type: T }>;

type Listener = (event: SystemEvent) => void;

/** A small typed emitter: `on(type, listener)` and `on("*", listener)` for everything. */
export class SystemEvents {
  readonly #listeners = new Map<string, Set<Listener>>();

  /** Listens to one event type, or to all with `"*"`. */
  on<T extends SystemEventType>(type: T, listener: (event: EventOf<T>) => void): Subscription;
  on(type: "*", listener: (event: SystemEvent) => void): Subscription;
  on(type: string, listener: (event: never) => void): Subscription {
    let set = this.#listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const l = listener as Listener;
    set.add(l);
    return subscription(() => void set.delete(l));
  }

  /** True when someone listens to `type` (or to everything): lets a hot path skip building an event. */
  has(type: SystemEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0 || (this.#listeners.get("*")?.size ?? 0) > 0;
  }

  /** Delivers `event` to its listeners and to `"*"` listeners. */
  emit(event: SystemEvent): void {
    this.#deliver(this.#listeners.get(event.type), event);
    this.#deliver(this.#listeners.get("*"), event);
  }

  #deliver(set: Set<Listener> | undefined, event: SystemEvent): void {
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(
          `dspex: a listener of "${event.type}" threw: ${(error as Error)?.message ?? error}`,
        );
      }
    }
  }
}
