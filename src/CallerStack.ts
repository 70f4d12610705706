/**
 * The caller's own stack, taken when a call is admitted, so that an error settled later (on a reply
 * from a worker, a timer, a crash) shows where the caller made the call instead of only dspex frames.
 *
 * V8 records the frames at capture and formats them only when `stack` is read, yet the capture alone
 * costs a few microseconds per call (measured in docs/decisions.md), more than the ~1 µs a hot path
 * can spare. So it is a system option, `callerStacks`, on by default unless
 * `NODE_ENV === "production"`.
 */

/** Whether stacks are captured when the system's options do not say. */
export const CALLER_STACKS_DEFAULT = process.env.NODE_ENV !== "production";

/** The frames of one call site; see the module comment. */
export class CallerStack {
  /** Set by `Error.captureStackTrace`: `"Error\n    at ..."`, formatted on first read. */
  declare readonly stack: string | undefined;

  /** Captures the frames above `below` (the public entry point the caller called). */
  constructor(below: (...args: never[]) => unknown) {
    Error.captureStackTrace(this, below);
  }

  /** Gives `error` the caller's frames under its own first line. */
  applyTo(error: Error): void {
    const frames = this.stack ?? "";
    const cut = frames.indexOf("\n");
    if (cut < 0) return;
    Object.defineProperty(error, "stack", {
      value: `${error.name}: ${error.message}${frames.slice(cut)}`,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
