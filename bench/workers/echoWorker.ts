/**
 * The bare ceiling for anything that crosses a thread: answers each `call` message with a cache-hit
 * `reply` message, doing no other work. Runs as compiled JS (dist/bench/workers/echoWorker.js).
 */
import { parentPort } from "node:worker_threads";
import type { ToWorker } from "../../src/protocol.js";
import { replyMessage } from "../lib/payload.js";

const port = parentPort;
if (port === null) throw new Error("echoWorker must run in a worker thread");
port.on("message", (message: ToWorker) => {
  if (message.type === "call") port.postMessage(replyMessage(message.id));
});
