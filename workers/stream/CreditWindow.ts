/**
 * A stream's flow control on the worker side: the main thread grants `credit` chunks and returns
 * credit as its caller reads. Each chunk costs one; chunks waiting together leave in one `chunk`
 * message. With no credit left the session waits ({@link CreditWindow.creditArrives}) instead of
 * reading the socket, which is what pushes back on upstream (see `UpstreamStream.ts`).
 */
import type { StreamChunk } from "../../src/types.js";

/** The chunks of one stream waiting for credit; see the module comment. */
export class CreditWindow {
  #credit: number;
  #waiter: (() => void) | undefined;
  /** Chunks decoded and not yet sent. */
  #pending: StreamChunk[] = [];
  /** Closed: nothing more is sent, and nobody waits for credit. */
  #closed = false;
  readonly #send: (chunks: StreamChunk[]) => void;

  /** @param credit the credit the stream starts with; `send` posts a batch of chunks. */
  constructor(credit: number, send: (chunks: StreamChunk[]) => void) {
    this.#credit = credit;
    this.#send = send;
  }

  /** Chunks waiting for credit. */
  get waiting(): number {
    return this.#pending.length;
  }

  /** The newest chunk not yet sent (the stream's last chunk, at its end). */
  get last(): StreamChunk | undefined {
    return this.#pending.at(-1);
  }

  /** The caller took `n` chunks: that many more may be sent. */
  grant(n: number): void {
    this.#credit += n;
    this.#wake();
  }

  /** Queues a chunk to send. */
  push(chunk: StreamChunk): void {
    this.#pending.push(chunk);
  }

  /** Sends as many waiting chunks as credit allows, in one message. */
  flush(): void {
    const n = Math.min(this.#credit, this.#pending.length);
    if (n === 0 || this.#closed) return;
    const chunks = n === this.#pending.length ? this.#pending : this.#pending.slice(0, n);
    this.#pending = n === this.#pending.length ? [] : this.#pending.slice(n);
    this.#credit -= n;
    this.#send(chunks);
  }

  /** Resolves when there is credit (at once if there is) or the window closes. */
  creditArrives(): Promise<void> {
    if (this.#credit > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Sends every waiting chunk, waiting for credit as needed; resolves early if the window closes. */
  async drain(): Promise<void> {
    while (!this.#closed && this.#pending.length > 0) {
      this.flush();
      if (this.#pending.length > 0) await this.creditArrives();
    }
  }

  /** Sends nothing more and releases a wait for credit. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
