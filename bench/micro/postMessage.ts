/**
 * What a reply costs to cross the thread boundary, by what it carries: structured clone on the sending
 * side of a `MessageChannel` (build + `postMessage`), per reply, for lone replies and batches of 16.
 * Rows: a reply as before issue #11; with `id`, `requestId` and the parsed `rateLimit`; and with a
 * rate-limiter snapshot in its meta (what every reply carried before workers/traffic/limiterReport.ts).
 *
 *   npm run build && node dist/bench/micro/postMessage.js
 *
 * Prints µs per reply, fastest of 3 rounds of 200,000. Compare rows within one run.
 */
import { MessageChannel } from "node:worker_threads";

const N = 200_000;
const { port1, port2 } = new MessageChannel();
port2.on("message", () => {});
port1.unref();
port2.unref();

type Message = { type: string; id: number; reply: Record<string, unknown>; meta: Record<string, unknown> };

function plain(id: number): Message {
  return {
    type: "reply",
    id,
    reply: {
      text: 'Mock answer 1065a222 to "What is the capital of France? (request 7)"',
      cached: false,
      usage: { promptTokens: 17, completionTokens: 12, totalTokens: 29 },
      finishReason: "stop",
      model: "gpt-4o-mini",
    },
    meta: { attempts: 1, cacheEntries: 5000 },
  };
}

function whole(id: number): Message {
  const m = plain(id);
  m.reply.id = "chatcmpl-mock1";
  m.reply.requestId = "req_mock1";
  m.reply.rateLimit = {
    requests: { limit: 10_000, remaining: 9_999, resetMs: 6 },
    tokens: { limit: 10_000_000, remaining: 9_999_000, resetMs: 0 },
  };
  return m;
}

function withLimiter(id: number): Message {
  const m = whole(id);
  m.meta.limiter = {
    source: "learned",
    waiting: 0,
    rpm: 10_000,
    requestsLeft: 9_999,
    requestsCapacity: 10_000,
    tpm: 10_000_000,
    tokensLeft: 9_999_166,
    tokensCapacity: 10_000_000,
  };
  return m;
}

function perReply(make: (id: number) => Message, batch: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i += batch) {
      if (batch === 1) port1.postMessage(make(i));
      else {
        const messages: Message[] = [];
        for (let j = 0; j < batch; j++) messages.push(make(i + j));
        port1.postMessage({ type: "batch", messages });
      }
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / N);
  }
  return best;
}

const rows: [string, (id: number) => Message][] = [
  ["reply as before issue #11", plain],
  ["+ id, requestId, rateLimit", whole],
  ["+ a limiter snapshot in meta", withLimiter],
];
for (const batch of [1, 16]) {
  for (const [label, make] of rows) {
    console.log(
      `${label.padEnd(32)} batch ${String(batch).padStart(2)}: ${perReply(make, batch).toFixed(2)} µs per reply`,
    );
  }
}
