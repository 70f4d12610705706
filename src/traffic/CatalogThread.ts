/**
 * The price catalog's thread, as the main side sees it: started on the first lookup, ended once it
 * has been idle for `idleMs` (`DEFAULTS.internal.priceCatalogIdleMs`), started again if a model
 * nobody priced yet turns up. While a lookup is pending the thread keeps the process alive; idle, it
 * does not (it is unref'd). Why the catalog has a thread of its own: `workers/catalog/priceCatalog.ts`.
 */
import { Worker } from "node:worker_threads";
import { DEFAULTS } from "../defaults.js";
import { workerHostOptions } from "../hostFlags.js";
import type { PriceAnswer, PriceEntry, PriceLookup, PriceQuery } from "./catalogMessages.js";

/** Where a {@link PriceBook} gets prices: the catalog thread, or anything that answers the same. */
export interface PriceSource {
  /** An entry per query, in order (`null`: unknown). Never rejects. */
  lookup(queries: PriceQuery[]): Promise<(PriceEntry | null)[]>;
  /** Ends the source; pending lookups answer unknown. */
  close(): Promise<void>;
}

/** The compiled catalog entry (from source, as under vitest, the build's; see WorkerSpawner.ts). */
export const catalogEntry: URL = import.meta.url.endsWith(".ts")
  ? new URL("../../dist/workers/catalog/priceCatalog.js", import.meta.url)
  : new URL("../../workers/catalog/priceCatalog.js", import.meta.url);

interface Waiting {
  resolve: (entries: (PriceEntry | null)[]) => void;
  count: number;
}

/** See the module comment. */
export class CatalogThread implements PriceSource {
  #worker: Worker | undefined = undefined;
  #idle: NodeJS.Timeout | undefined = undefined;
  #seq = 0;
  readonly #waiting = new Map<number, Waiting>();
  readonly #idleMs: number;
  readonly #entry: URL;
  /** Called each time an idle thread is ended (tests wait on it). */
  onRetire: (() => void) | undefined = undefined;

  constructor(options: { idleMs?: number; entry?: URL } = {}) {
    this.#idleMs = options.idleMs ?? DEFAULTS.internal.priceCatalogIdleMs;
    this.#entry = options.entry ?? catalogEntry;
  }

  /** True while the thread runs. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  lookup(queries: PriceQuery[]): Promise<(PriceEntry | null)[]> {
    const worker = this.#worker ?? this.#spawn();
    clearTimeout(this.#idle);
    this.#idle = undefined;
    worker.ref();
    const id = ++this.#seq;
    return new Promise((resolve) => {
      this.#waiting.set(id, { resolve, count: queries.length });
      const message: PriceLookup = { id, queries };
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#answerUnknown();
    await worker?.terminate();
  }

  #spawn(): Worker {
    const worker = new Worker(this.#entry, workerHostOptions());
    worker.on("message", (answer: PriceAnswer) => {
      const waiting = this.#waiting.get(answer.id);
      this.#waiting.delete(answer.id);
      waiting?.resolve(answer.entries);
      if (this.#waiting.size === 0 && this.#worker === worker) this.#rest(worker);
    });
    // A thread that fails to start or dies: what it had pending is unknown; the next lookup starts
    // another. The listener also keeps an 'error' event from being thrown on the main thread.
    worker.on("error", () => {});
    worker.on("exit", () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      clearTimeout(this.#idle);
      this.#answerUnknown();
    });
    this.#worker = worker;
    return worker;
  }

  /** Nothing pending: let the process exit without it, and end it if it stays idle. */
  #rest(worker: Worker): void {
    worker.unref();
    this.#idle = setTimeout(() => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#idle = undefined;
      void worker.terminate();
      this.onRetire?.();
    }, this.#idleMs);
    this.#idle.unref();
  }

  #answerUnknown(): void {
    for (const waiting of this.#waiting.values()) waiting.resolve(new Array(waiting.count).fill(null));
    this.#waiting.clear();
  }
}
