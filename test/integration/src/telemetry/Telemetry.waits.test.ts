/**
 * Waits inside a traced call, asserted with the real OpenTelemetry SDK against the real mock server
 * and real worker threads: a call that queues for a mailbox slot, and one that waits out a 429's
 * cooldown at the rate gate, each show the wait as an event on the call span (at the time it began,
 * with its length) and as a total attribute; the attempt span starts after the wait. A call whose
 * deadline passes while the worker still has it ends its span once, with no broken span after it.
 */
import { type DiagLogger, DiagLogLevel, diag, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import type { MockServer } from "../../../../mock/index.js";
import type { ClientSpec } from "../../../../src/types.js";
import { type OtelEnv, otelEnv, parentOf, spansNamed } from "./otelEnv.js";

function client(server: MockServer, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name: "gpt",
    provider: "openai",
    model: "mock-model",
    baseURL: server.baseURL,
    apiKey: "sk-waits-secret-0123456789",
    cache: false,
    ...extra,
  };
}

const envs: OtelEnv[] = [];
afterEach(async () => {
  diag.disable();
  for (const env of envs.splice(0)) await env.close();
});

async function start(...args: Parameters<typeof otelEnv>): Promise<OtelEnv> {
  const env = await otelEnv(...args);
  envs.push(env);
  return env;
}

const ms = (hr: [number, number] | undefined) => (hr === undefined ? Number.NaN : hr[0] * 1e3 + hr[1] / 1e6);
const callSpans = (env: OtelEnv) =>
  spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
const attemptsOf = (env: OtelEnv, span: ReadableSpan | undefined) =>
  spansNamed(env, "chat mock-model attempt").filter((s) => parentOf(s) === span?.spanContext().spanId);

describe("waits on the call span", () => {
  it("a call queued for the mailbox's one slot: a dspex.mailbox.wait event, its total, the attempt after it", async () => {
    const env = await start((s) => ({ children: [client(s, { maxConcurrency: 1 })] }), {
      server: { latencyMs: 150 },
    });
    await Promise.all([
      env.system.call("gpt", [{ role: "user", content: "first" }]),
      env.system.call("gpt", [{ role: "user", content: "second" }]),
    ]);
    const spans = callSpans(env);
    expect(spans).toHaveLength(2);
    const waited = spans.filter((s) => s.events.some((e) => e.name === "dspex.mailbox.wait"));
    expect(waited).toHaveLength(1);
    const [span] = waited;
    const event = span?.events.find((e) => e.name === "dspex.mailbox.wait");
    const waitMs = event?.attributes?.["dspex.wait_ms"] as number;
    // It waited for the first call's answer (150 ms of latency).
    expect(waitMs).toBeGreaterThan(100);
    expect(span?.attributes["dspex.mailbox.wait_ms"]).toBe(waitMs);
    expect(ms(event?.time)).toBeGreaterThanOrEqual(ms(span?.startTime) - 1);
    const [attempt] = attemptsOf(env, span);
    expect(ms(attempt?.startTime)).toBeGreaterThanOrEqual(ms(event?.time) + waitMs - 1);
    // The call that got the slot at once reports no wait.
    const other = spans.find((s) => s !== span);
    expect(other?.attributes["dspex.mailbox.wait_ms"]).toBeUndefined();
    expect(other?.events).toHaveLength(0);
  });

  it("a call that waits out a 429's cooldown at the rate gate: a dspex.rate_limit.wait event (gate cooling), its total", async () => {
    const env = await start((s) => ({ children: [client(s, { retry: { maxRetries: 0 } })] }));
    // Long enough that a loaded machine still makes the next call inside the cooldown.
    env.server.fault({ kind: "rate_limit", retryAfterMs: 1_500 }, { times: 1 });
    const cooled = new Promise<void>((resolve) => {
      const sub = env.system.on("cooldown", () => {
        sub.dispose();
        resolve();
      });
    });
    await expect(env.system.call("gpt", [{ role: "user", content: "refused" }])).rejects.toMatchObject({
      code: "ERR_RATE_LIMITED",
    });
    await cooled;
    await env.system.call("gpt", [{ role: "user", content: "waits" }]);
    const [refused, waited] = callSpans(env).sort((a, b) => ms(a.startTime) - ms(b.startTime));
    expect(refused?.attributes).toMatchObject({
      "error.type": "ERR_RATE_LIMITED",
      "dspex.retry_after_ms": 1_500,
    });
    expect(refused?.attributes["dspex.rate_limit.wait_ms"]).toBeUndefined();
    const event = waited?.events.find((e) => e.name === "dspex.rate_limit.wait");
    expect(event?.attributes).toMatchObject({ "dspex.rate_limit.gate": "cooling" });
    const waitMs = event?.attributes?.["dspex.wait_ms"] as number;
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(1_600);
    expect(waited?.attributes["dspex.rate_limit.wait_ms"]).toBe(waitMs);
    // The attempt span is the request, not the wait before it.
    const [attempt] = attemptsOf(env, waited);
    expect(ms(attempt?.startTime)).toBeGreaterThanOrEqual(ms(event?.time) + waitMs - 1);
  });
});

describe("answers after the call settled", () => {
  it("a call whose deadline passes mid-attempt: one span, ended once, ERR_TIMEOUT; nothing broken after", async () => {
    const complaints: string[] = [];
    const complain = (message: string) => complaints.push(message);
    const logger: DiagLogger = {
      error: complain,
      warn: complain,
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const env = await start((s) => ({ children: [client(s)] }));
    env.server.fault({ kind: "delay", ms: 400 }, { times: 1 });
    await expect(
      env.system.call("gpt", [{ role: "user", content: "late" }], { timeoutMs: 100 }),
    ).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
    // The upstream request is torn down (cancel), or answers late: either way the worker is done with it.
    await env.server.waitFor((s) => s.inFlight === 0);
    // A call after it goes through the same worker: its answer comes after anything left of the first.
    await env.system.call("gpt", [{ role: "user", content: "next" }]);
    const [late, next] = callSpans(env).sort((a, b) => ms(a.startTime) - ms(b.startTime));
    expect(callSpans(env)).toHaveLength(2);
    expect(late?.status.code).toBe(SpanStatusCode.ERROR);
    expect(late?.attributes["error.type"]).toBe("ERR_TIMEOUT");
    expect(ms(late?.endTime) - ms(late?.startTime)).toBeGreaterThanOrEqual(90);
    // The late call's attempt was never reported (it settled here first); the next call's was.
    expect(attemptsOf(env, late)).toHaveLength(0);
    expect(attemptsOf(env, next)).toHaveLength(1);
    for (const span of env.spans.getFinishedSpans())
      expect(ms(span.endTime)).toBeGreaterThanOrEqual(ms(span.startTime));
    expect(complaints).toEqual([]);
  });
});
