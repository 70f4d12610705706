#!/usr/bin/env node
/**
 * `dspex-observe [--port N]`: starts the observer demo (see `demo.ts`) and prints the page's URL;
 * Ctrl-C stops everything. Everything listens on 127.0.0.1 only.
 */
import { parseArgs } from "node:util";
import { startObserverDemo } from "./demo.js";

const { values } = parseArgs({ options: { port: { type: "string" }, help: { type: "boolean" } } });
if (values.help === true) {
  process.stdout.write("dspex-observe [--port N]: a demo tree with live traffic and its observer page\n");
} else {
  const port = values.port === undefined ? 0 : Number(values.port);
  const demo = await startObserverDemo(port);
  process.stdout.write(
    `dspex observer: ${demo.url}\n(a demo tree against the mock LLM server; Ctrl-C stops)\n`,
  );
  // The demo's timers and sockets are unref'd: keep the process up until asked to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stop = () => {
    clearInterval(keepAlive);
    void demo.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
