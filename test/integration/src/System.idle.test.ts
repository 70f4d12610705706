/**
 * A system never keeps its host process alive by itself, and a pending call always does: each case is a
 * real host (a child Node process) with a system whose client talks to a mock server that runs here, in
 * the test process. The host never calls `stop()` unless the case says so. It reports, from its own
 * `exit` event, how long after its last answer the event loop let go.
 *
 * Hosts run with `--liftoff-only`. Without it, Node waits at exit for V8's background compilation of
 * WebAssembly to finish (`NodePlatform::DrainTasks`): undici's HTTP parser (llhttp, WebAssembly) is
 * optimized in the background after a worker's first requests. That wait holds no handle of dspex and
 * is a few hundred ms at most on a quiet machine, but seconds on a 2-core machine running 30 processes
 * at once; measured and documented in docs/lifecycle.md. The flag leaves what dspex holds to measure.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { Consumer, type Ran } from "../consumer.js";

/** See the module comment. */
const HOST_FLAGS = ["--liftoff-only"];

let consumer: Consumer;
let mock: MockServer;

beforeAll(async () => {
  consumer = new Consumer();
  mock = await startMockServer({ port: 0 });
});
afterAll(async () => {
  consumer.remove();
  await mock.close();
});
afterEach(() => {
  mock.clearFaults();
  mock.setLatency(0);
  mock.setChunkDelay(0);
});

/**
 * The host's program: builds a system on `process.argv[2]` (the mock's base URL), then runs `body`.
 * `mark(label)` prints a line and remembers the time; the `exit` event prints how long ago the last
 * mark was.
 */
function program(body: string): string {
  return `
import { createSystem } from "dspex";
let last = Date.now();
const mark = (label) => { last = Date.now(); console.log(label); };
process.on("exit", (code) => console.log("EXIT " + code + " " + (Date.now() - last)));
const system = await createSystem({
  children: [{ name: "m", provider: "openai", model: "mock-model", apiKey: "sk-idle", baseURL: process.argv[2] }],
});
mark("STARTED");
${body}
`;
}

/** Runs a host program; a host that never lets go is killed after `timeoutMs` (signal SIGTERM). */
async function host(name: string, body: string, timeoutMs = 15_000): Promise<Ran & { lines: string[] }> {
  consumer.write(name, program(body));
  const ran = await consumer.run([...HOST_FLAGS, name, mock.baseURL], { timeoutMs });
  return { ...ran, lines: ran.stdout.trim().split("\n") };
}

/** The milliseconds between the last mark and the `exit` event, as the host reported them. */
function lingered(lines: string[]): number {
  const exit = lines.find((l) => l.startsWith("EXIT "));
  if (exit === undefined) throw new Error(`the host printed no exit line: ${lines.join(" | ")}`);
  return Number(exit.split(" ")[2]);
}

describe("an idle system does not keep the process alive", () => {
  it("a system that never took a call: the process exits", async () => {
    const ran = await host("idle.mjs", "");
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(lingered(ran.lines)).toBeLessThan(1_000);
  });

  it("one call, no stop(): exits 0 within a second of the reply", async () => {
    const ran = await host(
      "one-call.mjs",
      `const reply = await system.call("m", [{ role: "user", content: "one call" }]);
mark("REPLY " + reply.text);`,
    );
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(ran.lines.some((l) => l.startsWith("REPLY Mock answer"))).toBe(true);
    expect(lingered(ran.lines)).toBeLessThan(1_000);
  });

  it("after an admin call, a stream and a restart: still exits by itself", async () => {
    const ran = await host(
      "busy-then-idle.mjs",
      `await system.admin("m").cacheInfo();
let text = "";
for await (const chunk of system.stream("m", [{ role: "user", content: "a stream" }])) text += chunk.text;
const restarted = new Promise((resolve) => system.on("restart", resolve));
await system.kill("m");
await restarted;
const reply = await system.call("m", [{ role: "user", content: "after the restart" }]);
mark("DONE " + text.length + " " + reply.text.length);`,
    );
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(ran.lines.some((l) => l.startsWith("DONE "))).toBe(true);
    expect(lingered(ran.lines)).toBeLessThan(1_000);
  });
});

describe("a pending call keeps the process alive until it settles", () => {
  it("a call and a stream the script does not await are answered before the process exits", async () => {
    mock.setLatency(1_500);
    mock.setChunkDelay(50);
    const ran = await host(
      "pending.mjs",
      `system.call("m", [{ role: "user", content: "slow call" }]).then((r) => mark("REPLY " + r.text));
(async () => {
  let chunks = 0;
  for await (const _ of system.stream("m", [{ role: "user", content: "slow stream of several words" }])) chunks++;
  mark("STREAM " + chunks);
})();
mark("NOTHING AWAITED");`,
    );
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    const reply = ran.lines.findIndex((l) => l.startsWith("REPLY Mock answer"));
    const stream = ran.lines.findIndex((l) => l.startsWith("STREAM "));
    expect(reply).toBeGreaterThan(ran.lines.indexOf("NOTHING AWAITED"));
    expect(stream).toBeGreaterThan(ran.lines.indexOf("NOTHING AWAITED"));
    expect(Number(ran.lines[stream]?.split(" ")[1])).toBeGreaterThan(1);
    expect(lingered(ran.lines)).toBeLessThan(1_000);
  });

  it("a call that fails by its deadline also keeps it alive until then", async () => {
    mock.fault({ kind: "stall" });
    const ran = await host(
      "deadline.mjs",
      `system.call("m", [{ role: "user", content: "stalled" }], { timeoutMs: 1_000, maxRetries: 0 })
  .catch((e) => mark("ERROR " + e.code));`,
    );
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(ran.lines).toContain("ERROR ERR_TIMEOUT");
    expect(lingered(ran.lines)).toBeLessThan(1_000);
  });
});

describe("SIGTERM with the graceful recipe (docs/lifecycle.md)", () => {
  it("lets the call in flight finish, then exits 0", async () => {
    mock.setLatency(1_000);
    consumer.write(
      "signals.mjs",
      program(`const shutdown = () => void system.stop().then(() => process.exit(0));
process.once("SIGINT", shutdown).once("SIGTERM", shutdown);
system.call("m", [{ role: "user", content: "in flight at SIGTERM" }]).then(
  (r) => mark("REPLY " + r.text),
  (e) => mark("ERROR " + e.code),
);
// Something else of the host's that keeps it alive, as an HTTP server would.
setInterval(() => {}, 60_000);`),
    );
    const before = mock.stats.requests;
    const running = consumer.run([...HOST_FLAGS, "signals.mjs", mock.baseURL], { timeoutMs: 15_000 });
    await mock.waitFor((s) => s.requests > before && s.inFlight > 0, 10_000);
    consumer.signal("SIGTERM");
    const ran = await running;
    const lines = ran.stdout.trim().split("\n");
    expect(ran.code).toBe(0);
    expect(lines.some((l) => l.startsWith("REPLY Mock answer"))).toBe(true);
  });
});
