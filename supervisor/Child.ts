/**
 * What a supervisor supervises. A client (one worker thread) and a nested supervisor both implement
 * {@link Child}; the supervisor knows nothing else about them, so its logic runs without threads.
 */
import type { NodeSnapshot, RestartType } from "../src/types.js";

/** Why a child's incarnation ended without its supervisor asking. */
export type ExitReason =
  /** It ended on its own, normally (a worker that exited with code 0 unasked). */
  | { kind: "normal" }
  /**
   * A supervisor reached its restart intensity and terminated (OTP's reason `shutdown`): not a
   * crash, so a `transient` parent does not restart it; a `permanent` one does.
   */
  | { kind: "shutdown"; message: string }
  /** It crashed: uncaught error, non-zero exit, out of memory, or killed. */
  | { kind: "crash"; cause: CrashCause; message: string };

/** What kind of crash. */
export type CrashCause = "error" | "exit" | "oom" | "killed";

/**
 * What subscribing returns: `dispose()` unsubscribes, and so does leaving the block of a
 * `using sub = ...` declaration (`Symbol.dispose`). Named apart from the global `Disposable` type
 * (TypeScript's, and @types/node's), which it extends, so importing it shadows nothing.
 */
export interface Subscription extends Disposable {
  dispose(): void;
}

/** A {@link Subscription} that runs `unsubscribe` (idempotent when `unsubscribe` is). */
export function subscription(unsubscribe: () => void): Subscription {
  return { dispose: unsubscribe, [Symbol.dispose]: unsubscribe };
}

/** A supervised child: a client worker or a nested supervisor. */
export interface Child {
  readonly name: string;
  /** `"supervisor"`, or the node type of a leaf (`"client"`, ...). */
  readonly kind: string;
  readonly restart: RestartType;
  /**
   * Starts a new incarnation; resolves once it is ready to serve, rejects (with the cause) when it
   * cannot start. A failed start leaves nothing running.
   */
  start(): Promise<void>;
  /**
   * Stops the running incarnation gracefully within its shutdown timeout, then forcibly.
   * Never rejects; resolves at once when nothing runs. Does not fire `onExit`.
   */
  stop(): Promise<void>;
  /** Listens for an exit the supervisor did not ask for (fires once per incarnation). */
  onExit(listener: (reason: ExitReason) => void): Subscription;
  /**
   * Told when the child will not be started again (temporary, normal exit of a transient, or the
   * supervisor gave up or stopped): a client then rejects pending and later calls.
   */
  retire(reason: "unavailable" | "stopped"): void;
  /** Told that it is being restarted: a client holds new calls until it is ready. */
  markRestarting(): void;
  /**
   * Optional first half of the next `start()`: begins its slow part now (a client's thread loading its
   * modules), so that siblings boot side by side while they still start, and become ready, one at a
   * time in order. `start()` uses what was booted; a boot no start used is released by `unboot()` or
   * `retire()`. Idempotent until the next `start()`.
   */
  boot?(): void;
  /** Releases what `boot()` prepared, if no `start()` used it (a thread is terminated). */
  unboot?(): void;
  /** Plain-data snapshot of this node (and, for a supervisor, its subtree). */
  snapshot(): NodeSnapshot;
}

/** Builds children from resolved specs; the system supplies one that makes real workers. */
export type ChildFactory<S> = (spec: S) => Child;
