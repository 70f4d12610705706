/**
 * dspex as a contender: a system of OpenAI-speaking clients pointed at the mock server, and a
 * {@link Contender} that calls one of them.
 */
import {
  type ChildSpec,
  type ClientSpec,
  createSystem,
  type System,
  type SystemOptions,
} from "../../src/index.js";
import type { Contender } from "./contender.js";
import { BENCH_API_KEY, MODEL, messagesFor } from "./payload.js";

/** A client spec for the bench: the mock server, the bench key, and the caller's overrides. */
export function benchClient(name: string, baseURL: string, overrides: Partial<ClientSpec> = {}): ClientSpec {
  return { name, provider: "openai", model: MODEL, apiKey: BENCH_API_KEY, baseURL, ...overrides };
}

/**
 * Starts a system of `clients` under one `one_for_one` root whose restart intensity a benchmark cannot
 * exhaust (the restart scenario kills on purpose, many times).
 */
export function benchSystem(clients: ChildSpec[], options: SystemOptions = {}): Promise<System> {
  return createSystem(
    {
      strategy: "one_for_one",
      maxRestarts: 1_000_000,
      withinMs: 1_000,
      children: clients,
    },
    // Measured as deployed (NODE_ENV=production): no caller stacks. Their cost in development is
    // measured apart (bench/micro/admission.ts, docs/decisions.md); BENCH_CALLER_STACKS=1 turns them on.
    { callerStacks: process.env.BENCH_CALLER_STACKS === "1", ...options },
  );
}

/**
 * Calls `name` with the bench's chat request. `unique` makes every call a cache miss (the call number
 * is in the text); otherwise every call after the first is a cache hit.
 */
export function dspexCaller(system: System, name: string, label: string, unique: boolean): Contender {
  return {
    label,
    call: (seq) => system.call(name, messagesFor(seq, unique), { temperature: 0 }),
    close: () => system.stop(),
  };
}
