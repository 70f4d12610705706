/**
 * Where the messages of one client's workers arrive on the main thread (any incarnation: answers are
 * matched by call id). An answer settles its pending call and is accounted on the way (the stats
 * mirror's counters; the client's tokens, cost and latency in its traffic); a worker event updates
 * the mirror or the traffic and reaches the system; a batch is read in order. Answers that arrive
 * before the client's model is priced wait in a {@link PriceHold}.
 */

import type { CallTable, Pending } from "./CallTable.js";
import { PendingCall } from "./PendingCall.js";
import { PriceHold } from "./PriceHold.js";
import type { FromWorker } from "./protocol.js";
import type { StatsMirror } from "./StatsMirror.js";
import type { ClientTraffic } from "./traffic/ClientTraffic.js";
import type { StreamChunk, Usage } from "./types.js";

/** Who is told what the inbox reads (the client's proxy, whose fields the system sets). */
export interface InboxListeners {
  /** Worker events that reach the system (breaker, retry, ...). */
  onWorkerEvent(message: Extract<FromWorker, { type: "event" }>): void;
  /** Every upstream answer's usage and cost. */
  readonly onUsage: ((usage: Usage, cost: number | undefined) => void) | undefined;
  /** An answer held back for its price was delivered. */
  readonly onLateAnswer: (() => void) | undefined;
}

/** The inbox of one client; see the module comment. */
export class WorkerInbox {
  readonly #table: CallTable;
  readonly #mirror: StatsMirror;
  readonly #traffic: ClientTraffic;
  readonly #listeners: InboxListeners;
  readonly #hold: PriceHold;

  constructor(table: CallTable, mirror: StatsMirror, traffic: ClientTraffic, listeners: InboxListeners) {
    this.#table = table;
    this.#mirror = mirror;
    this.#traffic = traffic;
    this.#listeners = listeners;
    // Two closures per client, made once: the hold re-reads released messages through here.
    this.#hold = new PriceHold(
      (message) => this.receive(message),
      () => this.#listeners.onLateAnswer?.(),
    );
  }

  /** Routes one message from a worker. */
  receive(message: FromWorker): void {
    // Messages after one held for its price wait behind it: a worker's messages are read in order.
    if (this.#hold.queues(message)) return;
    switch (message.type) {
      case "reply":
      case "embedded":
      case "error":
      case "chunk":
      case "end": {
        const pending = this.#table.get(message.id);
        if (pending === undefined) return; // already settled here (timeout, abort)
        if (message.type !== "error") {
          // An answer that arrives before the catalog priced this client's model (just after start)
          // waits for it with every message after it, then goes through here again (the call may have
          // settled meanwhile).
          const wait = this.#traffic.priceWait();
          if (wait !== undefined) {
            this.#hold.hold(message, wait);
            return;
          }
        }
        pending.trace?.observe(message);
        if (message.type !== "chunk") {
          this.#mirror.account(message);
          this.#account(message, pending);
        } else this.#lastChunk(message.chunks);
        if (pending.receive(message)) this.#table.answered(pending);
        return;
      }
      case "event":
        if (message.event.kind === "limiter") {
          this.#traffic.onLimiter(message.event.snapshot);
          return;
        }
        this.#mirror.event(message.event);
        if (message.event.kind === "cooldown") this.#traffic.onCooldown(message.event.until);
        // Cache-write figures and breaker counts are kept only: no system event.
        if (message.event.kind !== "cache" && message.event.kind !== "breaker_count") {
          this.#listeners.onWorkerEvent(message);
        }
        return;
      case "batch":
        for (const m of message.messages) this.receive(m);
        return;
      default:
        return;
    }
  }

  /** Names the client on an answer, counts its tokens, prices it, and feeds the latency figure. */
  #account(
    message: Extract<FromWorker, { type: "reply" | "error" | "end" | "embedded" }>,
    pending: Pending,
  ): void {
    if (message.type === "embedded") {
      const usage = this.#traffic.onEmbedded(message.reply);
      if (usage !== undefined) this.#listeners.onUsage?.(usage, message.reply.cost);
      return;
    }
    if (message.type !== "reply") return;
    // Every answered call's latency, routed or not, feeds the `lowest_latency` figure (a cache hit
    // says nothing about upstream).
    if (!message.reply.cached && pending instanceof PendingCall)
      this.#traffic.onLatency(performance.now() - pending.startedAt);
    const usage = this.#traffic.onReply(message.reply);
    if (usage !== undefined) this.#listeners.onUsage?.(usage, message.reply.cost);
  }

  /** A stream's last chunk (the one with a finish reason) is named, counted and priced like a reply. */
  #lastChunk(chunks: StreamChunk[]): void {
    const last = chunks[chunks.length - 1];
    if (last?.finishReason === undefined) return;
    const usage = this.#traffic.onReply(last);
    if (usage !== undefined) this.#listeners.onUsage?.(usage, last.cost);
  }
}
