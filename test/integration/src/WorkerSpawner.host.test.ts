/**
 * Clients start in any host process: each case runs a real host (a child Node process on the running
 * Node; CI runs this file on 20 and 24) started with the flags named, which starts a system on the
 * loopback mock server, makes one call, and reports what a worker started with the same host-derived
 * options sees. Before src/hostFlags.ts, workers inherited the host's options and a host run with
 * `--input-type=module` could start no client at all.
 */
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSystem } from "../../../src/System.js";
import { Consumer, ROOT } from "../consumer.js";

/** The host's program: ESM or CommonJS alike (dynamic imports only), printed as one RESULT line. */
const APP = `
Promise.all([
  import("dspex"),
  import("dspex/mock"),
  import("node:worker_threads"),
  import("node:v8"),
  import(${JSON.stringify(pathToFileURL(`${ROOT}dist/src/hostFlags.js`).href)}),
]).then(async ([{ createSystem }, { startMockServer }, { Worker }, v8, { workerHostOptions }]) => {
  const server = await startMockServer({ port: 0 });
  const system = await createSystem({
    children: [{ name: "m", provider: "openai", model: "mock-model", apiKey: "sk-host", baseURL: server.baseURL }],
  });
  const reply = await system.call("m", [{ role: "user", content: "ping" }]);
  const probe = new Worker(
    'require("node:worker_threads").parentPort.postMessage({ execArgv: process.execArgv, heap: require("node:v8").getHeapStatistics().heap_size_limit })',
    { eval: true, ...workerHostOptions() },
  );
  const worker = await new Promise((resolve, reject) => { probe.once("message", resolve); probe.once("error", reject); });
  await probe.terminate();
  await system.stop();
  await server.close();
  console.log("RESULT " + JSON.stringify({ text: reply.text, worker, hostHeap: v8.getHeapStatistics().heap_size_limit }));
});
`;

/** The same program as a TypeScript file (a type annotation that only a TypeScript host can run). */
const APP_TS = `const host: string = "typescript";\nvoid host;\n${APP}`;

interface Result {
  text: string;
  worker: { execArgv: string[]; heap: number };
  hostHeap: number;
}

let consumer: Consumer;
beforeAll(() => {
  consumer = new Consumer(["tsx"]);
  consumer.write("app.ts", APP_TS);
});
afterAll(() => consumer.remove());

async function host(args: string[], env?: NodeJS.ProcessEnv): Promise<Result> {
  const ran = await consumer.run(args, env === undefined ? {} : { env: { ...process.env, ...env } });
  const line = ran.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (ran.code !== 0 || line === undefined)
    throw new Error(`host ${args.slice(0, -1).join(" ")} exited ${ran.code}: ${ran.stderr.slice(-600)}`);
  const result = JSON.parse(line.slice("RESULT ".length)) as Result;
  expect(result.text).toContain("ping");
  return result;
}

describe(`a host started with flags (Node ${process.version})`, () => {
  it("node -e", async () => {
    expect((await host(["-e", APP])).worker.execArgv).toEqual([]);
  });

  it("node --input-type=module -e (refused every worker before)", async () => {
    expect((await host(["--input-type=module", "-e", APP])).worker.execArgv).toEqual([]);
  });

  it("NODE_OPTIONS=--input-type=module node -e (a worker re-reads NODE_OPTIONS)", async () => {
    expect((await host(["-e", APP], { NODE_OPTIONS: "--input-type=module" })).worker.execArgv).toEqual([]);
  });

  it("node -p", async () => {
    expect((await host(["-p", APP])).worker.execArgv).toEqual([]);
  });

  it("node --inspect on a port of its own: no worker opens one", async () => {
    expect((await host(["--inspect=127.0.0.1:0", "-e", APP])).worker.execArgv).toEqual([]);
  });

  it("node --import tsx app.ts (a TypeScript host; the loader goes to the workers too)", async () => {
    expect((await host(["--import", "tsx", "app.ts"])).worker.execArgv).toEqual(["--import=tsx"]);
  });

  it("node --enable-source-maps", async () => {
    expect((await host(["--enable-source-maps", "-e", APP])).worker.execArgv).toEqual([
      "--enable-source-maps",
    ]);
  });

  it("node --max-old-space-size: refused in a worker's argv, and in force there all the same", async () => {
    const result = await host(["--max-old-space-size=160", "-e", APP]);
    expect(result.worker.execArgv).toEqual([]);
    expect(result.worker.heap).toBe(result.hostHeap);
  });

  // Type stripping exists from Node 22.6; this Node either has the flag (then it is tested) or not.
  const strips = process.allowedNodeEnvironmentFlags.has("--experimental-strip-types");
  it(`node --experimental-strip-types app.ts (this Node has the flag: ${strips})`, async () => {
    const major = Number(process.versions.node.split(".")[0]);
    expect(strips).toBe(major >= 23 || (major === 22 && Number(process.versions.node.split(".")[1]) >= 6));
    if (!strips) return;
    const result = await host([
      "--experimental-strip-types",
      "--disable-warning=ExperimentalWarning",
      "app.ts",
    ]);
    expect(result.worker.execArgv).toEqual([
      "--experimental-strip-types",
      "--disable-warning=ExperimentalWarning",
    ]);
  });
});

describe("createSystem's workerExecArgv", () => {
  const spec = {
    children: [
      { name: "m", provider: "openai" as const, model: "m", apiKey: "k", baseURL: "http://127.0.0.1:9/v1" },
    ],
  };

  it("replaces the host's flags: a flag no worker takes makes the client fail to start", async () => {
    await expect(
      createSystem(spec, { workerExecArgv: ["--no-such-flag-for-dspex"], warmSpare: false }),
    ).rejects.toMatchObject({ code: "ERR_START_FAILED" });
  });

  it("must be an array of strings", async () => {
    await expect(createSystem(spec, { workerExecArgv: "--x" as never })).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      field: "options.workerExecArgv",
    });
  });
});
