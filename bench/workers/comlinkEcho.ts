/**
 * The comlink ceiling: the echo exposed as a comlink API object over the worker's parent port.
 */
import { parentPort } from "node:worker_threads";
import { expose } from "comlink";
import type { ToWorker } from "../../src/protocol.js";
import { nodeEndpoint } from "../lib/comlinkNode.js";
import { replyMessage } from "../lib/payload.js";

const port = parentPort;
if (port === null) throw new Error("comlinkEcho must run in a worker thread");

/** What the main thread reaches through `wrap()`. */
export const echoApi = {
  call(message: Extract<ToWorker, { type: "call" }>) {
    return replyMessage(message.id);
  },
};

/** The type the main thread wraps. */
export type EchoApi = typeof echoApi;

expose(echoApi, nodeEndpoint(port));
