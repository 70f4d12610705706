/**
 * What large answers cost the receiving thread by how many share one message: a worker posts N answers
 * of a given size in batches of B (as the worker's outbox does), the main thread receives them and reads
 * each text's length. Prints the main thread's CPU and minor page faults per answer, fastest of 3 rounds.
 * Behind `BATCH_MAX_BYTES` in src/Outbox.ts (a batch leaves early once it weighs that much).
 *
 *   npm run build && node dist/bench/micro/largeBatch.js
 */
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { mainThreadCpu } from "../lib/cpu.js";

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { size, n, batch } = workerData;
const base = "abcdefghij".repeat(Math.ceil(size / 10)).slice(0, size - 8);
let sent = 0;
function burst() {
  for (let k = 0; k < 8 && sent < n; k++) {
    const messages = [];
    for (let j = 0; j < batch && sent < n; j++, sent++) {
      messages.push({ type: "reply", id: sent, reply: { text: base + String(sent).padStart(8, "0"), cached: false } });
    }
    parentPort.postMessage({ type: "batch", messages });
  }
  if (sent < n) setImmediate(burst);
}
parentPort.once("message", burst);
`;

/** Minor page faults of the main thread so far (Linux; 0 elsewhere). */
function minorFaults(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return 0;
  }
}

async function round(size: number, n: number, batch: number): Promise<{ cpuUs: number; faults: number }> {
  const worker = new Worker(WORKER, { eval: true, workerData: { size, n, batch } });
  let got = 0;
  let chars = 0;
  const cpu0 = mainThreadCpu().micros;
  const faults0 = minorFaults();
  await new Promise<void>((resolve) => {
    worker.on("message", (message: { messages: { reply: { text: string } }[] }) => {
      for (const m of message.messages) {
        chars += m.reply.text.length;
        got++;
      }
      if (got >= n) resolve();
    });
    worker.postMessage("go");
  });
  const cpuUs = (mainThreadCpu().micros - cpu0) / n;
  const faults = (minorFaults() - faults0) / n;
  await worker.terminate();
  if (chars !== size * n) throw new Error(`received ${chars} characters, expected ${size * n}`);
  return { cpuUs, faults };
}

for (const size of [20_000, 100_000]) {
  const n = size >= 100_000 ? 4_000 : 20_000;
  for (const batch of [1, 8, 64]) {
    let best = { cpuUs: Number.POSITIVE_INFINITY, faults: 0 };
    for (let r = 0; r < 3; r++) {
      const result = await round(size, n, batch);
      if (result.cpuUs < best.cpuUs) best = result;
    }
    const kb = ((size * batch) / 1024).toFixed(0);
    process.stdout.write(
      `${(size / 1000).toFixed(0).padStart(4)} KB answers, ${String(batch).padStart(2)} per message (${kb.padStart(5)} KiB): ` +
        `main thread ${best.cpuUs.toFixed(1).padStart(6)} µs, ${best.faults.toFixed(2)} page faults per answer\n`,
    );
  }
}
