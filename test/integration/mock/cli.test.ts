import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { json } from "./http.js";

const CLI = fileURLToPath(new URL("../../../dist/mock/cli.js", import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

function start(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, ...args]);
  children.push(child);
  return child;
}

/** The first line the CLI prints. */
async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let text = "";
  for await (const chunk of child.stdout) {
    text += chunk;
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0] ?? "";
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("dspex-mock CLI", () => {
  it("prints the base URL, serves with the given key, and exits 0 on SIGTERM", async () => {
    const child = start(["--port", "0", "--latency", "1", "--chunk-delay", "0", "--api-key", "k-cli"]);
    const baseURL = await firstLine(child);
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
    const denied = await fetch(`${baseURL}/chat/completions`, { method: "POST", body });
    expect(denied.status).toBe(401);
    const ok = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      body,
      headers: { authorization: "Bearer k-cli" },
    });
    expect(ok.status).toBe(200);
    expect((await json(ok)).choices[0].message.content).toMatch(/^Mock answer /);
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect((await exited)[0]).toBe(0);
  });

  it("exits 0 on SIGINT", async () => {
    const child = start([]);
    expect(await firstLine(child)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const exited = once(child, "exit");
    child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
  });

  it("prints usage for --help and refuses bad arguments with exit code 2", async () => {
    const help = start(["--help"]);
    const helpExit = once(help, "exit");
    expect(await firstLine(help)).toMatch(/^Usage: dspex-mock/);
    expect((await helpExit)[0]).toBe(0);

    const bad = start(["--latency", "soon"]);
    let stderr = "";
    bad.stderr.on("data", (d) => {
      stderr += d;
    });
    expect((await once(bad, "exit"))[0]).toBe(2);
    expect(stderr).toContain("--latency");
  });
});
