/**
 * Runs a real {@link ClientActor} in process (no thread) against a real loopback mock server, with the
 * real pool, cache, keyer, coalescer and breaker, and records everything it posts.
 */

import type { FromWorker, WireRequest } from "../../../src/protocol.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { ClientSpec, WireMessage } from "../../../src/types.js";
import { ClientActor } from "../../../workers/ClientActor.js";
import { createCacheKeyer } from "../../../workers/cache/CacheKey.js";
import { ResponseCache } from "../../../workers/cache/ResponseCache.js";
import { createPool } from "../../../workers/http/Transport.js";
import { openaiProvider } from "../../../workers/providers/openai.js";
import { Breaker } from "../../../workers/resilience/Breaker.js";

/** A fake key that is easy to spot in anything the actor posts. */
export const KEY = "sk-test-NEVER-LEAK-7c1e5a9b";

type Answer = Extract<FromWorker, { type: "reply" | "error" }>;

/** Every message posted by every actor of the test file, for the "no key anywhere" check. */
export const everything: FromWorker[] = [];

export interface Harness {
  actor: ClientActor;
  client: ResolvedClientSpec;
  posted: FromWorker[];
  /** Sends a call; resolves with its answer. */
  call(
    id: number,
    messages: WireMessage[] | string,
    controls?: Partial<Omit<WireRequest, "messages">>,
  ): Promise<Answer>;
  /** Sends a call without waiting. */
  send(id: number, messages: WireMessage[] | string, controls?: Partial<Omit<WireRequest, "messages">>): void;
  /** The answer for `id` (already posted or future). */
  answer(id: number): Promise<Answer>;
  /** Resolves once a message matching `predicate` has been posted. */
  waitPosted(predicate: (m: FromWorker) => boolean): Promise<FromWorker>;
  /** Messages posted for `id`. */
  about(id: number): FromWorker[];
  stop(graceMs?: number): Promise<Extract<FromWorker, { type: "stopped" }>>;
}

const live = new Set<Harness>();

/** Builds an actor for a client of the mock server at `baseURL`. */
export async function startActor(
  baseURL: string,
  spec: Partial<ClientSpec> = {},
  init: { breakerState?: unknown } = {},
): Promise<Harness> {
  const client = resolveSystemSpec({
    children: [
      {
        name: "gpt",
        provider: "openai",
        model: "gpt-4o-mini",
        apiKey: KEY,
        baseURL,
        retry: { initialDelayMs: 1, maxDelayMs: 4 },
        ...spec,
      } as ClientSpec,
    ],
  }).children[0] as ResolvedClientSpec;
  const posted: FromWorker[] = [];
  const watchers = new Set<{ predicate: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }>();
  const post = (message: FromWorker) => {
    // What really crosses the thread is a structured clone: record exactly that.
    const copy = structuredClone(message);
    posted.push(copy);
    everything.push(copy);
    for (const w of [...watchers]) {
      if (w.predicate(copy)) {
        watchers.delete(w);
        w.resolve(copy);
      }
    }
  };
  const [keyer, cache] = await Promise.all([
    createCacheKeyer(),
    client.cache === false ? undefined : ResponseCache.create(client.cache),
  ]);
  const actor = new ClientActor({
    client,
    post,
    dispatcher: createPool(client.baseURL, client.maxConcurrency),
    provider: openaiProvider,
    breaker: new Breaker(client.breaker, {
      initialState: init.breakerState,
      onChange: (event) => post({ type: "event", event }),
    }),
    cache,
    keyer,
  });
  const waitPosted = (predicate: (m: FromWorker) => boolean) => {
    const found = posted.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<FromWorker>((resolve) => watchers.add({ predicate, resolve }));
  };
  const isAnswer = (id: number) => (m: FromWorker) =>
    (m.type === "reply" || m.type === "error") && m.id === id;
  const send: Harness["send"] = (id, messages, controls = {}) => {
    const list: WireMessage[] =
      typeof messages === "string" ? [{ role: "user", content: messages }] : messages;
    actor.handle({
      type: "call",
      id,
      request: {
        messages: list,
        params: {},
        deadline: Date.now() + client.timeoutMs,
        attemptTimeoutMs: client.attemptTimeoutMs,
        maxRetries: client.retry.maxRetries,
        cache: "use",
        ...controls,
      },
    });
  };
  const answer = (id: number) => waitPosted(isAnswer(id)) as Promise<Answer>;
  const harness: Harness = {
    actor,
    client,
    posted,
    send,
    answer,
    call: (id, messages, controls) => {
      send(id, messages, controls);
      return answer(id);
    },
    waitPosted,
    about: (id) => posted.filter((m) => "id" in m && m.id === id),
    stop: async (graceMs = 1_000) => {
      live.delete(harness);
      actor.handle({ type: "stop", graceMs });
      return (await waitPosted((m) => m.type === "stopped")) as Extract<FromWorker, { type: "stopped" }>;
    },
  };
  live.add(harness);
  return harness;
}

/** Stops every actor a test left running (call from `afterEach`). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop(0)));
}
