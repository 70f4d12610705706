/**
 * Real vendor recordings (test/fixtures/wire/) replayed byte for byte, cut at odd byte boundaries and
 * inside UTF-8 characters, through `call` and `stream` of a real system (real worker threads, real
 * HTTP on 127.0.0.1). Each recording's manifest says what must come out; `call` and `stream` must
 * agree (the second verb is answered from the cache the first one filled, so the cache is checked
 * too). Expectations a manifest lists under `notYetSupported` must still fail: when one starts to
 * pass, this test says so and the entry is removed.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSystem, type System } from "../../../src/System.js";
import type { ClientSpec } from "../../../src/types.js";
import { alignToolCalls, type Observed, observeError, observeReply, observeStream } from "./observe.js";
import { ReplayServer } from "./ReplayServer.js";
import {
  type ExpectedReply,
  expectsFailure,
  flatten,
  loadRecordings,
  pick,
  type Recording,
  type WireProvider,
} from "./recordings.js";

const recordings = loadRecordings();
/**
 * `WIRE_REPORT=<file>` (a maintenance aid, never set in CI): instead of asserting, write every
 * mismatch to `<file>`, to see at a glance which expectations a change fixed or broke.
 */
const REPORT = process.env.WIRE_REPORT;
const report: { id: string; path: string; expected: unknown; actual: unknown }[] = [];
const server = new ReplayServer(recordings);
const systems = new Map<WireProvider, System | Error>();

/** One client per provider, pointed at the replay server; no retries, no breaker (errors are replayed). */
function clientFor(provider: WireProvider, origin: string): ClientSpec {
  const common = { name: provider, model: "replay", apiKey: "sk-replay-key", breaker: false as const };
  switch (provider) {
    case "azure":
      // A resource URL: requests go to {origin}/openai/deployments/replay/chat/completions.
      return { ...common, provider, baseURL: origin };
    case "gemini":
      return { ...common, provider, baseURL: `${origin}/v1beta` };
    default:
      return { ...common, provider, baseURL: `${origin}/v1` };
  }
}

beforeAll(async () => {
  await server.listen();
  for (const provider of ["openai", "anthropic", "gemini", "azure"] as const) {
    try {
      const system = await createSystem(
        { children: [clientFor(provider, server.origin)] },
        { warmSpare: false },
      );
      systems.set(provider, system);
    } catch (error) {
      systems.set(provider, error as Error);
    }
  }
});

afterAll(async () => {
  if (REPORT !== undefined) writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  for (const system of systems.values()) if (!(system instanceof Error)) await system.stop();
  await server.close();
});

function messagesFor(recording: Recording) {
  return [{ role: "user" as const, content: `Replay fixture:${recording.id} please.` }];
}

/** Runs the recording through the verb that reads it, then through the other one. */
async function run(recording: Recording): Promise<{ first: Observed; second: Observed; hits: number }> {
  const system = systems.get(recording.manifest.provider);
  if (system === undefined || system instanceof Error) throw system ?? new Error("no system");
  const name = recording.manifest.provider;
  const messages = messagesFor(recording);
  const options = { maxRetries: 0, timeoutMs: 15_000 };
  const viaCall = async () => {
    try {
      return observeReply(await system.call(name, messages, options));
    } catch (error) {
      return observeError(error);
    }
  };
  const viaStream = async () => (await observeStream(system.stream(name, messages, options))).observed;
  const before = server.hits.get(recording.id) ?? 0;
  const first = recording.streamed ? await viaStream() : await viaCall();
  // A stream recording cannot answer a JSON request: a failed stream is not cached, so stop there.
  const second =
    recording.streamed && "error" in first ? first : recording.streamed ? await viaCall() : await viaStream();
  return { first, second, hits: (server.hits.get(recording.id) ?? 0) - before };
}

describe("real vendor recordings, replayed byte for byte", () => {
  it("has at least 40 recordings across the vendors", () => {
    expect(recordings.length).toBeGreaterThanOrEqual(40);
    const vendors = new Set(recordings.map((r) => r.vendor));
    for (const v of ["openai", "anthropic", "gemini", "azure"]) expect(vendors).toContain(v);
    expect(vendors.size).toBeGreaterThanOrEqual(9);
  });

  it.each(recordings.map((r) => [r.id, r] as const))("%s", async (_id, recording) => {
    const { expect: expected, notYetSupported = {} } = recording.manifest;
    const whole = notYetSupported["*"];
    const system = systems.get(recording.manifest.provider);
    if (whole !== undefined) {
      // Not supported at all yet: it must still fail somewhere, or the manifest entry is stale.
      const outcome = system instanceof Error ? undefined : await run(recording).catch(() => undefined);
      const matches =
        outcome !== undefined &&
        [...flatten(expected)].every(([path, value]) =>
          isEqual(pick(alignToolCalls(outcome.first, expected as ExpectedReply), path), value),
        );
      expect(matches, `${recording.id} now passes: remove notYetSupported["*"] (${whole})`).toBe(false);
      return;
    }
    expect(system, `the ${recording.manifest.provider} client did not start`).not.toBeInstanceOf(Error);
    const { first, second, hits } = await run(recording);
    const observed = alignToolCalls(first, expected as ExpectedReply);
    for (const [path, value] of flatten(expected)) {
      const actual = pick(observed, path);
      if (REPORT !== undefined) {
        if (!isEqual(actual, value)) report.push({ id: recording.id, path, expected: value, actual });
        continue;
      }
      if (notYetSupported[path] !== undefined) {
        expect(
          actual,
          `${recording.id}: ${path} now comes out right: remove it from notYetSupported`,
        ).not.toEqual(value);
      } else {
        expect(actual, `${recording.id}: ${path}`).toEqual(value);
      }
    }
    if (REPORT !== undefined) {
      if (!isEqual(second, first))
        report.push({ id: recording.id, path: "agree", expected: first, actual: second });
      return;
    }
    if (expectsFailure(expected)) {
      // Errors are not cached: the second verb asked upstream again and failed the same way.
      expect(second.error).toEqual(first.error);
      expect(hits).toBe(recording.streamed ? 1 : 2);
    } else {
      // One upstream request: the second verb was answered from the cache the first one filled.
      expect(hits).toBe(1);
      const { cached: _a, ...a } = first;
      const { cached: _b, ...b } = second;
      expect(b, `${recording.id}: call and stream agree`).toEqual(a);
    }
  });
});

function isEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
