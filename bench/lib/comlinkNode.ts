/**
 * comlink's Node adapter, typed as it really loads: its UMD build sets `module.exports` to the
 * function itself, while its .d.ts declares a default export (which NodeNext then sees as a namespace).
 */

import type { MessagePort, Worker } from "node:worker_threads";
import type { Endpoint } from "comlink";
import nodeAdapter from "comlink/dist/umd/node-adapter.js";

/** Turns a worker or a port into a comlink endpoint. */
export const nodeEndpoint = nodeAdapter as unknown as (port: Worker | MessagePort) => Endpoint;
