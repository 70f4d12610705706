/**
 * The streams of one worker, by id: the `streams` dependency of the client actor, which hands it the
 * `stream`, `credit` and `cancel` messages. A session leaves the table once it has released
 * everything (posted `end` or `error`, or was cancelled).
 */
import { IdMap } from "../../src/IdMap.js";
import type { ToWorker } from "../../src/protocol.js";
import type { StreamHandler } from "../StreamHandler.js";
import { type StreamDeps, type StreamMessage, type StreamPath, streamPath } from "./StreamDeps.js";
import { StreamSession } from "./StreamSession.js";

/** The live streams of a worker; see the module comment. */
export class StreamSessions implements StreamHandler {
  readonly #deps: StreamDeps;
  readonly #path: StreamPath;
  /** An {@link IdMap}, not a `Map`: one insert and one delete per stream (see src/IdMap.ts for why). */
  readonly #sessions = new IdMap<StreamSession>();
  #idle: (() => void) | undefined;

  constructor(deps: StreamDeps) {
    this.#deps = deps;
    this.#path = streamPath(deps);
  }

  /** Streams not yet over. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Starts a stream. A repeated id (a redelivery to the same worker) replaces nothing: it is ignored. */
  start(message: StreamMessage): void {
    if (this.#sessions.has(message.id)) return;
    const session = new StreamSession(this.#deps, message, this.#path);
    this.#sessions.set(message.id, session);
    void session.finished.then(() => {
      if (this.#sessions.get(message.id) === session) this.#sessions.delete(message.id);
      if (this.#sessions.size === 0) this.#idle?.();
    });
  }

  /** The main thread's caller took chunks: the stream may send that many more. */
  credit(message: Extract<ToWorker, { type: "credit" }>): void {
    this.#sessions.get(message.id)?.credit(message.n);
  }

  /** Stops a stream and tears its upstream request down; nothing more is posted for it. False when unknown. */
  cancel(id: number): boolean {
    const session = this.#sessions.get(id);
    session?.cancel();
    return session !== undefined;
  }

  /** Cancels every stream (a stop whose grace ran out). */
  cancelAll(): void {
    for (const session of this.#sessions.values()) session.cancel();
  }

  /**
   * Graceful stop: streams get up to `graceMs` to finish, the rest are cancelled (not answered: the
   * main side settles them). Resolves with how many were cut.
   */
  async stop(graceMs: number): Promise<number> {
    if (this.#sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const cut = this.#sessions.size;
    this.cancelAll();
    return cut;
  }

  /** Resolves once no stream is live (for a graceful stop). */
  idle(): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#idle;
      this.#idle = () => {
        this.#idle = undefined;
        previous?.();
        resolve();
      };
    });
  }
}
