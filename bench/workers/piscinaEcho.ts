/**
 * The piscina task for the task-pool ceiling: takes a `call` message, returns the cache-hit reply.
 * Piscina imports this file in its worker and calls the default export per task.
 */
import type { ToWorker } from "../../src/protocol.js";
import { replyMessage } from "../lib/payload.js";

/** One task: the same work as the bare echo worker. */
export default function echo(message: Extract<ToWorker, { type: "call" }>) {
  return replyMessage(message.id);
}
