import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startMockServer } from "../../../mock/index.js";
import { chat, post } from "./http.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const COMPLETIONS = "/v1/chat/completions";

/** Runs an ESM snippet in a fresh node process; resolves with its exit code, or "hung" after `ms`. */
function runNode(source: string, ms: number): Promise<{ code: number | null | "hung"; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { cwd: ROOT });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ code: "hung", output });
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("mock server lifecycle", () => {
  it("binds 127.0.0.1 on an ephemeral port and exposes url and baseURL", async () => {
    const server = await startMockServer();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).toBeGreaterThan(0);
      expect(server.baseURL).toBe(`${server.url}/v1`);
    } finally {
      await server.close();
    }
  });

  it("runs latency waits concurrently, not one after another", async () => {
    const latencyMs = 300;
    const server = await startMockServer({ latencyMs });
    try {
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () => post(server, COMPLETIONS, chat("x")).then((r) => r.status)),
      );
      const elapsed = performance.now() - started;
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(latencyMs - 5);
      expect(elapsed).toBeLessThan(latencyMs * 10); // one after another would take 50 x 300 ms
    } finally {
      await server.close();
    }
  });

  it("keeps at most logLimit recent requests, oldest first, and resetStats empties them", async () => {
    const server = await startMockServer({ logLimit: 3 });
    try {
      for (let i = 0; i < 5; i++) await post(server, COMPLETIONS, chat(`m${i}`));
      const log = server.requests;
      expect(log.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content)).toEqual([
        "m2",
        "m3",
        "m4",
      ]);
      expect(log[0]).toMatchObject({
        path: COMPLETIONS,
        method: "POST",
        model: "gpt-mock",
        stream: false,
        provider: "openai",
      });
      expect(typeof log[0]?.at).toBe("number");
      expect(server.stats.requests).toBe(5);
      server.resetStats();
      expect(server.requests).toEqual([]);
      expect(server.stats).toMatchObject({
        requests: 0,
        completed: 0,
        inFlight: 0,
        byPath: {},
        byStatus: {},
      });
    } finally {
      await server.close();
    }
  });

  it("waitFor rejects on timeout with the counters in the message", async () => {
    const server = await startMockServer();
    try {
      await expect(server.waitFor((s) => s.requests > 0, 20)).rejects.toThrow(
        /waitFor timed out .*"requests":0/,
      );
    } finally {
      await server.close();
    }
  });

  it("close() ends open requests, refuses new ones and rejects pending waiters", async () => {
    const server = await startMockServer({ latencyMs: 60_000 });
    const pending = post(server, COMPLETIONS, chat("x"));
    await server.waitFor((s) => s.inFlight === 1);
    const waiter = server.waitFor(() => false, 60_000).catch((e: unknown) => e);
    await server.close();
    await expect(pending).rejects.toThrow();
    expect(String(await waiter)).toMatch(/closed/);
    expect(server.stats.inFlight).toBe(0);
    await expect(post(server, COMPLETIONS, chat("x"))).rejects.toThrow();
  });

  it("close() leaves nothing keeping the process alive", async () => {
    const source = `
      import { startMockServer } from "./dist/mock/index.js";
      const server = await startMockServer({ chunkDelayMs: 60000 });
      const body = (extra) => JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }], ...extra });
      const send = (extra) => fetch(server.baseURL + "/chat/completions", { method: "POST", body: body(extra) })
        .then((r) => r.text()).catch(() => "failed");
      server.fault({ kind: "stall" }, { times: 1 });
      const calls = [send({}), send({ stream: true }), send({ stream: true })];
      server.setLatency(60000);
      calls.push(send({}));
      await server.waitFor((s) => s.inFlight === 4 && s.streams === 2);
      await server.close();
      console.log(JSON.stringify(await Promise.all(calls)));
    `;
    const { code, output } = await runNode(source, 8_000);
    expect(code, output).toBe(0);
    expect(JSON.parse(output)).toEqual(["failed", "failed", "failed", "failed"]);
  });
});
