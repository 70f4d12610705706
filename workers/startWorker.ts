/**
 * Boots a client inside its worker thread: wires the port, serves the admin port, and posts `ready`
 * as soon as the thread can take messages. The client's parts (undici pool, provider, cache, breaker,
 * actor: `buildClient.ts`) are built when the client is first needed: its first call, stream or admin
 * operation. Messages that arrive meanwhile wait, in order, and are handled once it is built. An idle
 * client thus costs a thread and little more, and a tree's threads are ready in about the time of
 * bare threads (figures in docs/benchmarks.md, "startup"; the choice in docs/decisions.md).
 *
 * A client whose set-up can fail by its settings (an external cache store, which may not load) is
 * built before `ready`, so a bad setting still fails the start. A build that fails later escapes as
 * this thread's uncaught error: the worker dies and its supervisor restarts it.
 *
 * Kept apart from `entry.ts` (which only calls it) so a test fixture can wrap the real worker: import
 * this from `dist/workers/startWorker.js`, add its own fault listener, then start.
 */

import { type MessagePort, parentPort, threadId } from "node:worker_threads";
import { Outbox, unbatch } from "../src/Outbox.js";
import type { AdminApi, FromWorker, ToWorker, WorkerInit } from "../src/protocol.js";
import { createAdminApi, serveAdmin } from "./AdminApi.js";
import type { BuiltClient, Post } from "./buildClient.js";

/**
 * Starts the client described by `init` on `port` (default: this thread's `parentPort`); resolves once
 * `ready` has been posted.
 */
export async function startWorker(init: WorkerInit, port: MessagePort | null = parentPort): Promise<void> {
  if (port === null) throw new Error("startWorker runs inside a worker thread (no parentPort here)");
  // Replies, chunks and events leave batched per event-loop turn (see src/Outbox.ts).
  // An answer that cannot be cloned fails its one call instead of the batch (see src/Outbox.ts).
  const outbox = new Outbox<FromWorker>(port, "immediate", (message, error) => {
    if (
      message.type !== "reply" &&
      message.type !== "chunk" &&
      message.type !== "end" &&
      message.type !== "embedded"
    )
      return;
    const why = error instanceof Error ? error.message : String(error);
    outbox.post({
      type: "error",
      id: message.id,
      error: { code: "ERR_BAD_RESPONSE", message: `the answer could not cross to the main thread (${why})` },
      meta: { attempts: 0 },
    });
  });
  // `transfer`: buffers moved with the message (an `embed` reply's vectors, see workers/embed/embedReply.ts).
  const post: Post = (message, transfer) => outbox.post(message, transfer);
  // Once built, the client's rate limiter rides at the end of each batch (traffic/limiterReport.ts).
  const client = new LazyClient(init, post, (built) => {
    outbox.trailer = built.trailer;
    // A change after the last batch (a stream's gate settling after its end was posted) still leaves.
    built.gate.onChange = outbox.poke;
  });
  if (init.client.cache !== false && init.client.cache.store !== undefined) await client.built();
  port.on("message", (message: ToWorker) => unbatch(message, client.handle));
  // The admin port (comlink, slow path; see AdminApi.ts): served before "ready", so the main side can
  // use it as soon as it sees the worker ready; an operation builds the client first.
  if (init.adminPort !== undefined) serveAdmin(init.adminPort, client.adminApi());
  post({ type: "ready", threadId });
}

/** The client of one worker, built on first need; see the module comment. */
class LazyClient {
  readonly #init: WorkerInit;
  readonly #post: Post;
  readonly #onBuilt: (built: BuiltClient) => void;
  #built: BuiltClient | undefined;
  #building: Promise<BuiltClient> | undefined;
  /** Messages that arrived while the client was being built, oldest first. */
  readonly #waiting: ToWorker[] = [];

  constructor(init: WorkerInit, post: Post, onBuilt: (built: BuiltClient) => void) {
    this.#init = init;
    this.#post = post;
    this.#onBuilt = onBuilt;
  }

  /** Handles one message from the main thread (as the actor would, once there is one). */
  readonly handle = (message: ToWorker): void => {
    const built = this.#built;
    if (built !== undefined) {
      built.actor.handle(message);
      return;
    }
    // A client never used is stopped without being built: it has nothing in flight.
    if (message.type === "stop" && this.#building === undefined) {
      this.#post({ type: "stopped", abandoned: 0 });
      return;
    }
    this.#waiting.push(message);
    this.built().catch(die);
  };

  /** The built client, building it on the first call. */
  built(): Promise<BuiltClient> {
    this.#building ??= import("./buildClient.js")
      .then(({ buildClient }) => buildClient(this.#init, this.#post))
      .then((built) => {
        this.#built = built;
        this.#onBuilt(built);
        for (const message of this.#waiting.splice(0)) built.actor.handle(message);
        return built;
      });
    return this.#building;
  }

  /** The admin API, each operation on the built client. */
  adminApi(): AdminApi {
    const api = async () => {
      const built = await this.built().catch((error: unknown) => {
        die(error);
        throw error;
      });
      return createAdminApi(built.admin);
    };
    return {
      clearCache: async () => (await api()).clearCache(),
      cacheInfo: async () => (await api()).cacheInfo(),
      breaker: async () => (await api()).breaker(),
      mailbox: async () => (await api()).mailbox(),
    };
  }
}

/** A client that cannot be built ends its thread, as an uncaught error does. */
function die(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}
