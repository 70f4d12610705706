/**
 * Whether one worker thread keeps the host process alive. A thread is ref'd while its client needs it
 * (starting, stopping, or a call or stream pending) and unref'd while idle, as undici's idle sockets
 * and piscina's idle workers are: a script that forgets `stop()` still exits, and a call nobody awaits
 * is still answered first.
 *
 * `Worker.ref()` / `unref()` also cover the thread's message port, so a port that is unref'd still
 * delivers messages while anything else keeps the event loop running.
 */

/** What can be ref'd and unref'd: a `Worker`. */
export interface Referable {
  ref(): void;
  unref(): void;
}

/** The ref state of one thread; see the module comment. */
export class ThreadRef {
  readonly #thread: Referable;
  /** A new `Worker` is ref'd. */
  #held = true;

  constructor(thread: Referable) {
    this.#thread = thread;
  }

  /** Whether the thread keeps the process alive now. */
  get held(): boolean {
    return this.#held;
  }

  /** Refs the thread when `needed`, unrefs it otherwise; does nothing when that is already so. */
  set(needed: boolean): void {
    if (needed === this.#held) return;
    this.#held = needed;
    if (needed) this.#thread.ref();
    else this.#thread.unref();
  }
}
