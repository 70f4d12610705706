/**
 * The `diagnostics_channel` channels on the main thread: payloads for call start / end / error,
 * restart and breaker, with real worker threads and the real mock server, and no API key in any of
 * them, whatever failed. No OpenTelemetry is involved: telemetry is on for channel subscribers alone.
 */
import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer } from "../../../../mock/index.js";
import { createSystem, type System } from "../../../../src/System.js";
import type { ClientSpec } from "../../../../src/types.js";

const KEY = "sk-channel-secret-abcdefghijklmnop";
const NAMES = ["dspex:call:start", "dspex:call:end", "dspex:call:error", "dspex:restart", "dspex:breaker"];

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

/** Subscribes to every dspex channel; returns what each received. */
function record(): Array<[string, Record<string, unknown>]> {
  const seen: Array<[string, Record<string, unknown>]> = [];
  for (const name of NAMES) {
    const listener = (message: unknown) => seen.push([name, message as Record<string, unknown>]);
    diagnostics.subscribe(name, listener);
    cleanups.push(() => void diagnostics.unsubscribe(name, listener));
  }
  return seen;
}

async function system(
  spec: (baseURL: string) => ClientSpec[],
): Promise<{ system: System; server: Awaited<ReturnType<typeof startMockServer>> }> {
  const server = await startMockServer({ latencyMs: 0, apiKey: KEY });
  const sys = await createSystem({ children: spec(server.baseURL) }, { warmSpare: false });
  cleanups.push(() => server.close());
  cleanups.push(() => sys.stop());
  return { system: sys, server };
}

describe("diagnostics channels", () => {
  it("call start and end (a miss, then a hit), error, restart and breaker, with their payloads", async () => {
    const seen = record();
    const { system: sys, server } = await system((baseURL) => [
      {
        name: "gpt",
        provider: "openai",
        model: "mock-model",
        baseURL,
        apiKey: KEY,
        retry: { maxRetries: 0 },
        breaker: { failures: 1, halfOpenAfterMs: 60_000 },
      },
    ]);
    const hello = [{ role: "user" as const, content: "hello" }];
    await sys.call("gpt", hello);
    await sys.call("gpt", hello);
    const starts = seen.filter(([n]) => n === "dspex:call:start").map(([, m]) => m);
    const ends = seen.filter(([n]) => n === "dspex:call:end").map(([, m]) => m);
    expect(starts).toHaveLength(2);
    expect(starts[0]).toMatchObject({
      client: "gpt",
      operation: "call",
      provider: "openai",
      model: "mock-model",
    });
    expect(ends.map((m) => m.id)).toEqual(starts.map((m) => m.id));
    expect(ends[0]).toMatchObject({
      cached: false,
      coalesced: false,
      attempts: 1,
      redeliveries: 0,
      finishReason: "stop",
    });
    expect(ends[1]).toMatchObject({ cached: true, attempts: 0 });
    expect(ends[0]?.durationMs).toBeGreaterThan(0);
    expect(ends[0]?.inputTokens).toBeGreaterThan(0);

    server.fault({ kind: "status", status: 500, body: { error: { message: `bad key ${KEY}` } } });
    await expect(sys.call("gpt", [{ role: "user", content: "boom" }])).rejects.toMatchObject({
      code: "ERR_HTTP",
    });
    const [error] = seen.filter(([n]) => n === "dspex:call:error").map(([, m]) => m);
    expect(error).toMatchObject({ client: "gpt", code: "ERR_HTTP", status: 500, attempts: 1 });
    const [breaker] = seen.filter(([n]) => n === "dspex:breaker").map(([, m]) => m);
    expect(breaker).toEqual({ client: "gpt", state: "open", previous: "closed" });

    server.clearFaults();
    await sys.kill("gpt");
    await new Promise<void>((resolve) => {
      const sub = sys.on("restart", () => {
        sub.dispose();
        resolve();
      });
    });
    const [restart] = seen.filter(([n]) => n === "dspex:restart").map(([, m]) => m);
    expect(restart).toMatchObject({ child: "gpt", restarts: 1 });
    expect(JSON.stringify(seen)).not.toContain(KEY);
    expect(JSON.stringify(seen)).not.toContain(KEY.slice(0, 16));
  });

  it("nothing is published, and no call is timed, with no subscriber and no SDK", async () => {
    const { system: sys } = await system((baseURL) => [
      { name: "gpt", provider: "openai", model: "mock-model", baseURL, apiKey: KEY },
    ]);
    const starts: unknown[] = [];
    await sys.call("gpt", [{ role: "user", content: "quiet" }]);
    const listener = (m: unknown) => starts.push(m);
    diagnostics.subscribe("dspex:call:start", listener);
    cleanups.push(() => void diagnostics.unsubscribe("dspex:call:start", listener));
    await sys.call("gpt", [{ role: "user", content: "heard" }]);
    expect(starts).toHaveLength(1);
  });
});
