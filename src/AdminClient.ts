/**
 * The main-thread end of one worker incarnation's admin port: a typed {@link AdminApi} facade over
 * `Comlink.wrap`, made safe for a worker that can die (see docs/admin.md).
 *
 * comlink 4.4 alone has three traps, each handled here:
 * - A call in flight never settles when the worker dies. The owner ({@link ClientChild}) calls
 *   {@link AdminClient.close} from the worker's "exit": every pending call rejects
 *   (`ERR_WORKER_CRASHED` after a crash or kill, `ERR_CLIENT_UNAVAILABLE` after a stop), and later
 *   calls reject at once. A worker that is alive but stuck is bounded by a deadline (`ERR_TIMEOUT`).
 * - When the `wrap()` proxy is garbage-collected, comlink sends RELEASE and the worker stops
 *   listening. The proxy is held in a field for the incarnation's whole life, so that never happens.
 * - Errors arrive as a bare `Error`. The worker throws plain {@link ErrorData}; it is rebuilt here
 *   into the {@link DspexError} class of its code.
 *
 * Pending calls are kept in a set (rather than each racing a shared "gone" promise), so an
 * incarnation serving many admin calls accumulates nothing.
 */
import type { MessagePort } from "node:worker_threads";
import { type Remote, wrap } from "comlink";
import { DEFAULTS } from "./defaults.js";
import { type DspexError, dspexError, type ErrorData, errorFromData, isErrorData } from "./errors.js";
import { portEndpoint } from "./portEndpoint.js";
import type { AdminApi, BreakerInfo, CacheInfo, MailboxInfo } from "./protocol.js";

/** How long an admin call may wait for a live worker's answer before it rejects with `ERR_TIMEOUT`. */
export const ADMIN_TIMEOUT_MS = DEFAULTS.internal.adminTimeoutMs;

interface PendingAdminCall {
  reject: (error: DspexError) => void;
  timer: NodeJS.Timeout;
}

/** One incarnation's admin port, main side; see the module comment. */
export class AdminClient implements AdminApi {
  readonly #port: MessagePort;
  /** Held strongly for the incarnation's life: a collected proxy would make comlink send RELEASE. */
  readonly #remote: Remote<AdminApi>;
  readonly #pending = new Set<PendingAdminCall>();
  #gone: ErrorData | undefined;

  /**
   * @param port the main side's end of the incarnation's admin channel (the worker has the other)
   * @param client the client's name, put on every error
   */
  constructor(
    port: MessagePort,
    readonly client: string,
    readonly timeoutMs: number = ADMIN_TIMEOUT_MS,
  ) {
    this.#port = port;
    this.#remote = wrap<AdminApi>(portEndpoint(port));
    // The worker keeps the process alive while it runs; an idle admin port must not.
    port.unref();
  }

  /** True once {@link close} was called: every call rejects. */
  get closed(): boolean {
    return this.#gone !== undefined;
  }

  clearCache(): Promise<number | undefined> {
    return this.#run(() => this.#remote.clearCache());
  }

  cacheInfo(): Promise<CacheInfo> {
    return this.#run(() => this.#remote.cacheInfo());
  }

  breaker(): Promise<BreakerInfo> {
    return this.#run(() => this.#remote.breaker());
  }

  mailbox(): Promise<MailboxInfo> {
    return this.#run(() => this.#remote.mailbox());
  }

  /**
   * The worker is gone (or going): rejects every pending call and every later one with an error of
   * `code`, and closes the port. Idempotent (the first reason wins).
   */
  close(code: "ERR_WORKER_CRASHED" | "ERR_CLIENT_UNAVAILABLE" | "ERR_SYSTEM_STOPPED", message: string): void {
    if (this.#gone !== undefined) return;
    this.#gone = { code, message, client: this.client };
    for (const call of this.#pending) {
      clearTimeout(call.timer);
      call.reject(errorFromData(this.#gone));
    }
    this.#pending.clear();
    this.#port.close();
  }

  #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#gone !== undefined) return Promise.reject(errorFromData(this.#gone));
    return new Promise<T>((resolve, reject) => {
      const call: PendingAdminCall = {
        reject,
        timer: setTimeout(() => {
          if (!this.#pending.delete(call)) return;
          reject(
            dspexError("ERR_TIMEOUT", `the worker did not answer within ${this.timeoutMs} ms`, {
              client: this.client,
            }),
          );
        }, this.timeoutMs),
      };
      // Not unref'd: a pending admin call keeps the process alive until it settles, as a call does.
      this.#pending.add(call);
      operation().then(
        (value) => {
          if (!this.#pending.delete(call)) return;
          clearTimeout(call.timer);
          resolve(value);
        },
        (error: unknown) => {
          if (!this.#pending.delete(call)) return;
          clearTimeout(call.timer);
          reject(this.#rebuild(error));
        },
      );
    });
  }

  /** The worker throws {@link ErrorData}; anything else (comlink's flattened `Error`) keeps its message. */
  #rebuild(error: unknown): DspexError {
    if (isErrorData(error)) return errorFromData({ ...error, client: this.client });
    const message = error instanceof Error ? error.message : String(error);
    return dspexError("ERR_BAD_RESPONSE", `the admin call failed: ${message}`, { client: this.client });
  }
}

/**
 * An {@link AdminApi} that looks its target up on every call (`current` throws a `DspexError` when
 * there is none), so one facade stays valid across restarts. Never throws: every method rejects.
 */
export function adminFacade(current: () => AdminApi): AdminApi {
  const through =
    <T>(operation: (admin: AdminApi) => Promise<T>) =>
    (): Promise<T> => {
      try {
        return operation(current());
      } catch (error) {
        return Promise.reject(error);
      }
    };
  return {
    clearCache: through((a) => a.clearCache()),
    cacheInfo: through((a) => a.cacheInfo()),
    breaker: through((a) => a.breaker()),
    mailbox: through((a) => a.mailbox()),
  };
}
