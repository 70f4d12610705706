import { describe, expect, it } from "vitest";
import { splitNodeOptions, workerExecArgv, workerNodeOptions } from "../../../src/hostFlags.js";

describe("workerExecArgv", () => {
  it("leaves out the host's entry-point modes and their code", () => {
    expect(workerExecArgv(["-e", "code"])).toEqual([]);
    expect(workerExecArgv(["--input-type=module", "-e", "import x from 'y'"])).toEqual([]);
    expect(workerExecArgv(["--input-type", "module", "--eval", "1"])).toEqual([]);
    expect(workerExecArgv(["-p", "-1"])).toEqual([]);
    expect(workerExecArgv(["-pe", "process.execArgv", "--enable-source-maps"])).toEqual([
      "--enable-source-maps",
    ]);
    expect(workerExecArgv(["-i", "-c", "--check", "--run=build"])).toEqual([]);
  });

  it("leaves out inspector, watch, test and env-file flags, with their separate values", () => {
    expect(
      workerExecArgv([
        "--inspect=0",
        "--inspect-brk",
        "--inspect-port",
        "9230",
        "--inspect-wait=127.0.0.1:0",
        "--watch",
        "--watch-path",
        "src",
        "--test",
        "--test-reporter",
        "spec",
        "--env-file",
        ".env",
        "--no-warnings",
      ]),
    ).toEqual(["--no-warnings"]);
  });

  it("leaves out per-process and V8 flags (they apply to every thread already)", () => {
    expect(
      workerExecArgv([
        "--max-old-space-size=200",
        "--stack-size=2000",
        "--expose-gc",
        "--title=app",
        "--abort-on-uncaught-exception",
        "--enable-source-maps",
      ]),
    ).toEqual(["--enable-source-maps"]);
  });

  it("keeps preloads, loaders, conditions and module flags, each as one long --flag=value argument", () => {
    expect(
      workerExecArgv([
        "--import",
        "tsx",
        "-r",
        "./setup.cjs",
        "--require=dotenv/config",
        "--experimental-loader",
        "./hooks.mjs",
        "-C",
        "development",
        "--experimental-strip-types",
        "--disable-warning",
        "ExperimentalWarning",
      ]),
    ).toEqual([
      "--import=tsx",
      "--require=./setup.cjs",
      "--require=dotenv/config",
      "--experimental-loader=./hooks.mjs",
      "--conditions=development",
      "--experimental-strip-types",
      "--disable-warning=ExperimentalWarning",
    ]);
  });

  it("gives what it keeps unchanged when given its own output", () => {
    const once = workerExecArgv(["--import", "tsx", "--enable-source-maps", "-e", "1", "--cpu-prof"]);
    expect(workerExecArgv(once)).toEqual(once);
  });
});

describe("NODE_OPTIONS for a worker", () => {
  it("splits as Node does, quotes and escapes included", () => {
    expect(splitNodeOptions('--require "./my setup.js"  --title=a\\b --x="a \\"q\\""')).toEqual([
      "--require",
      "./my setup.js",
      "--title=a\\b",
      '--x=a "q"',
    ]);
  });

  it("is left alone when a worker can read it as it is", () => {
    expect(workerNodeOptions(undefined)).toBeUndefined();
    expect(workerNodeOptions("  ")).toBeUndefined();
    expect(workerNodeOptions("--enable-source-maps --import=tsx")).toBeUndefined();
  });

  it("is filtered when it holds something a worker refuses", () => {
    expect(workerNodeOptions("--input-type=module --enable-source-maps")).toBe("--enable-source-maps");
    expect(workerNodeOptions('--max-old-space-size=4096 --require "./my setup.js"')).toBe(
      '"--require=./my setup.js"',
    );
    expect(workerNodeOptions("--inspect")).toBe("");
  });
});
