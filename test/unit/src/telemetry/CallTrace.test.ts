/**
 * A call's trace fed the worker's messages by hand (no threads), recorded by the real SDK: attempt
 * timings from another thread's clock are clamped into the call span (never before its start, never
 * after now, never ending before they start), waits become events and move the attempt's start, and a
 * message after the call settled (a late answer) makes no span and ends nothing twice.
 */
import * as api from "@opentelemetry/api";
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedClientSpec } from "../../../../src/ClientSpec.js";
import type { CallMeta, UpstreamTiming } from "../../../../src/protocol.js";
import { Telemetry } from "../../../../src/telemetry/Telemetry.js";
import type { Reply } from "../../../../src/types.js";

const SPEC = {
  name: "gpt",
  provider: "openai",
  model: "m",
  baseURL: "http://127.0.0.1:9/v1",
} as unknown as ResolvedClientSpec;

const REPLY = { text: "ok", finishReason: "stop", model: "m", cached: false } as unknown as Reply;

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const telemetry = new Telemetry(api, { tracerProvider }, () => []);
  const trace = telemetry.begin("call", SPEC, [{ role: "user", content: "hi" }], {});
  if (trace === undefined) throw new Error("no trace with a tracer provider");
  trace.open();
  return { exporter, trace };
}

const reply = (timings: UpstreamTiming[]): { type: "reply"; id: number; reply: Reply; meta: CallMeta } => ({
  type: "reply",
  id: 1,
  reply: REPLY,
  meta: { attempts: timings.filter((t) => !("wait" in t)).length, timings },
});

const ms = (hr: [number, number]) => hr[0] * 1e3 + hr[1] / 1e6;
const now = () => performance.timeOrigin + performance.now();

const complaints: string[] = [];
const logger: DiagLogger = {
  error: (m) => complaints.push(m),
  warn: (m) => complaints.push(m),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
afterEach(() => {
  diag.disable();
  complaints.length = 0;
});

describe("CallTrace timings", () => {
  it("clamps attempts timed on another clock into the call span; no span runs backwards", () => {
    diag.setLogger(logger, DiagLogLevel.WARN);
    const { exporter, trace } = setup();
    const t = now();
    trace.observe(
      reply([
        // Reported as starting before the call did, and ending before it started.
        { start: t - 5_000, end: t - 6_000, code: "ERR_HTTP", status: 503, retryDelayMs: 1 },
        // Reported as ending in the future.
        { start: t, end: t + 60_000 },
      ]),
    );
    trace.succeed(REPLY);
    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === "chat m");
    const attempts = spans.filter((s) => s.name === "chat m attempt");
    expect(attempts).toHaveLength(2);
    if (call === undefined) throw new Error("no call span");
    for (const attempt of attempts) {
      expect(ms(attempt.endTime)).toBeGreaterThanOrEqual(ms(attempt.startTime));
      expect(ms(attempt.startTime)).toBeGreaterThanOrEqual(ms(call.startTime) - 0.01);
      expect(ms(attempt.endTime)).toBeLessThanOrEqual(ms(call.endTime) + 0.01);
    }
    expect(attempts.map((a) => a.attributes)).toEqual([
      {
        "server.address": "127.0.0.1",
        "server.port": 9,
        "dspex.attempt": 1,
        "http.response.status_code": 503,
        "error.type": "ERR_HTTP",
        "dspex.retry.delay_ms": 1,
      },
      { "server.address": "127.0.0.1", "server.port": 9, "dspex.attempt": 2 },
    ]);
    expect(complaints).toEqual([]);
  });

  it("a wait before an attempt: an event at its start, the total on the call, the attempt after it", () => {
    const { exporter, trace } = setup();
    const opened = now(); // after the call span's start
    // The reported times lie between the call's start and now: let the clock pass them (no signal to
    // wait for: the clock is what is measured).
    while (now() < opened + 3) {}
    const t = opened + 1;
    trace.observe(
      reply([
        { wait: "rate_limit", gate: "cooling", start: t, end: t + 0.5 },
        // The worker's attempt timing includes the gate wait: it starts where the wait started.
        { start: t, end: t + 0.75 },
      ]),
    );
    trace.succeed(REPLY);
    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === "chat m");
    const [attempt] = spans.filter((s) => s.name === "chat m attempt");
    expect(call?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        "dspex.rate_limit.wait",
        { "dspex.wait_ms": expect.closeTo(0.5, 3), "dspex.rate_limit.gate": "cooling" },
      ],
    ]);
    expect(call?.attributes["dspex.rate_limit.wait_ms"]).toBeCloseTo(0.5, 3);
    expect(call?.attributes["dspex.mailbox.wait_ms"]).toBeUndefined();
    if (attempt === undefined || call?.events[0] === undefined) throw new Error("missing spans");
    expect(ms(attempt.startTime)).toBeCloseTo(ms(call.events[0].time) + 0.5, 2);
  });

  it("an answer after the call failed makes no attempt span and ends nothing twice", () => {
    diag.setLogger(logger, DiagLogLevel.WARN);
    const { exporter, trace } = setup();
    trace.fail({ code: "ERR_TIMEOUT", message: "the call's deadline passed" });
    const t = now();
    trace.observe(reply([{ start: t - 1, end: t }]));
    trace.succeed(REPLY);
    trace.fail({ code: "ERR_TIMEOUT", message: "again" });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["chat m"]);
    expect(spans[0]?.attributes["error.type"]).toBe("ERR_TIMEOUT");
    expect(spans[0]?.attributes["dspex.attempts"]).toBe(0);
    expect(complaints).toEqual([]);
  });
});
