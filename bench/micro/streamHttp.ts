/**
 * Micro-benchmark behind streams' HTTP path (docs/decisions.md, "Streams on the calls' HTTP path"):
 * worker-side process CPU per streamed answer read to its end, over one `ConnectionPool` to the mock
 * server in its own process, through
 *
 * - `dispatcher.request` with an `AbortController` and the body's async iterator (streams' path until
 *   2026-12), and
 * - `Transport.openStream` with a `StreamExchange` (undici's dispatch callbacks, `Cancellation`-style
 *   stop; the path streams take now, the calls' own).
 *
 * Only the HTTP part differs: both read every piece of the body and decode nothing.
 *
 *   npm run build && node dist/bench/micro/streamHttp.js [--quick]
 *
 * Prints, per path, the fastest of 5 rounds: µs of process CPU (user + system) per stream. CPU per
 * stream barely moves with machine load, unlike throughput; compare within one run.
 */

import { StreamExchange } from "../../workers/http/StreamExchange.js";
import { createPool, Transport } from "../../workers/http/Transport.js";
import { providerFor } from "../../workers/providers/index.js";
import { BODY_HIGH_WATER_MARK } from "../../workers/stream/UpstreamStream.js";
import { startMockProcess } from "../lib/mockProcess.js";

const quick = process.argv.includes("--quick");
const STREAMS = quick ? 200 : 2_000;
const AT_ONCE = 16;
const ROUNDS = quick ? 2 : 5;

const mock = await startMockProcess(0);
const pool = createPool(mock.baseURL, AT_ONCE);
const provider = providerFor("openai");
const limits = { maxBytes: 8 * 1024 * 1024, maxErrorBytes: 64 * 1024 };
const transport = new Transport(pool, provider, "sk-bench", limits);
const url = new URL(`${mock.baseURL}/chat/completions`);
const body = JSON.stringify({
  model: "mock-model",
  stream: true,
  messages: [{ role: "user", content: "a streamed answer of the mock's default length" }],
});
const headers = { "content-type": "application/json", authorization: "Bearer sk-bench" };

async function viaRequest(): Promise<number> {
  const controller = new AbortController();
  const response = await pool.request({
    origin: url.origin,
    path: url.pathname,
    method: "POST",
    headers,
    body,
    signal: controller.signal,
    highWaterMark: BODY_HIGH_WATER_MARK,
    bodyTimeout: 0,
  });
  let bytes = 0;
  for await (const piece of response.body as AsyncIterable<Buffer>) bytes += piece.length;
  return bytes;
}

async function viaExchange(): Promise<number> {
  const exchange = new StreamExchange(limits, BODY_HIGH_WATER_MARK);
  await transport.openStream({ url: url.href, headers, body }, exchange);
  let bytes = 0;
  for (let piece = await exchange.read(); piece !== undefined; piece = await exchange.read())
    bytes += piece.length;
  return bytes;
}

async function round(one: () => Promise<number>): Promise<number> {
  const started = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    while (next < STREAMS) {
      next++;
      if ((await one()) === 0) throw new Error("an empty stream");
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, lane));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / STREAMS;
}

const paths: [string, () => Promise<number>][] = [
  ["dispatcher.request + AbortController + body iterator", viaRequest],
  ["Transport.openStream + StreamExchange", viaExchange],
];
const best = new Map<string, number>();
for (let r = 0; r < ROUNDS; r++) {
  for (const [label, one] of paths) {
    const us = await round(one);
    best.set(label, Math.min(best.get(label) ?? Number.POSITIVE_INFINITY, us));
  }
}
for (const [label, us] of best) process.stdout.write(`${label.padEnd(56)} ${us.toFixed(1)} µs CPU/stream\n`);
await pool.destroy();
await mock.close();
