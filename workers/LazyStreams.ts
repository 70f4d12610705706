/**
 * Streaming, loaded on the first stream. Most clients of a DSPy-style program never stream, and the
 * streaming code (SSE parsing, both vendors' decoders, the session machinery) costs start time and
 * idle memory in every worker thread. Messages for streams that arrive while it loads are applied in
 * arrival order once it is there (promise reactions run in the order they were registered).
 */
import type { StreamHandler } from "./StreamHandler.js";
import type { StreamDeps } from "./stream/StreamDeps.js";

/** A {@link StreamHandler} that imports `StreamSessions` on first use. */
export class LazyStreams implements StreamHandler {
  readonly #deps: StreamDeps;
  #real: StreamHandler | undefined;
  #loading: Promise<StreamHandler> | undefined;

  constructor(deps: StreamDeps) {
    this.#deps = deps;
  }

  #load(): Promise<StreamHandler> {
    this.#loading ??= import("./stream/StreamSessions.js").then(({ StreamSessions }) => {
      this.#real = new StreamSessions(this.#deps);
      return this.#real;
    });
    return this.#loading;
  }

  start(message: Parameters<StreamHandler["start"]>[0]): void {
    if (this.#real !== undefined) this.#real.start(message);
    else void this.#load().then((real) => real.start(message));
  }

  credit(message: Parameters<StreamHandler["credit"]>[0]): void {
    if (this.#real !== undefined) this.#real.credit(message);
    else if (this.#loading !== undefined) void this.#loading.then((real) => real.credit(message));
  }

  cancel(id: number): boolean {
    if (this.#real !== undefined) return this.#real.cancel(id);
    if (this.#loading === undefined) return false;
    void this.#loading.then((real) => real.cancel(id));
    return true;
  }

  stop(graceMs: number): Promise<number> {
    if (this.#loading === undefined) return Promise.resolve(0);
    return this.#loading.then((real) => real.stop?.(graceMs) ?? 0);
  }
}
