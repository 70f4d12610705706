/**
 * Admission through the public API (real worker threads, the real mock server on loopback): a call is
 * taken as the caller wrote it at `call()` time, data behind a Proxy is read through, and a value that
 * cannot cross a thread fails alone, with ERR_INVALID_ARGUMENT, touching no other call and no worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockServer } from "../../../mock/index.js";
import { type ChatMessage, isDspexError, type System } from "../../../src/index.js";
import { mockClient, setup } from "../harness.js";

let server: MockServer;
let system: System;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ server, system, close } = await setup((s) => ({
    maxRestarts: 10,
    children: [mockClient(s, "gpt"), mockClient(s, "held", { maxRedeliveries: 5 })],
  })));
});

afterAll(async () => {
  await close?.();
});

/** A reactive wrapper as Vue's `reactive` builds it: a Proxy with get/set traps over plain data. */
function reactive<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver);
      return typeof value === "object" && value !== null ? reactive(value) : value;
    },
    set(t, key, value, receiver) {
      return Reflect.set(t, key, value, receiver);
    },
  });
}

class Note {
  constructor(readonly text: string) {}
}

function sentBodies(text: string): { messages: { content: string }[]; tools?: unknown }[] {
  return server.requests
    .filter((r) => JSON.stringify(r.body).includes(text))
    .map((r) => r.body as { messages: { content: string }[] });
}

const restartsOf = (name: string) =>
  system.inspect().children?.find((c) => c.name === name)?.restarts ?? Number.NaN;

describe("a value that cannot cross a thread never poisons a client", () => {
  it("100 good calls issued in one turn with one that cannot be carried: 100 replies, one ERR_INVALID_ARGUMENT, restarts 0", async () => {
    // One of the good calls is reactive (a Proxy: structured clone refuses it, so posted as it is it
    // would fail the whole batch); the bad one has a getter that throws.
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 101; i++) {
      const message: Record<string, unknown> = { role: "user", content: `batch ${i}` };
      if (i === 50)
        Object.defineProperty(message, "note", {
          enumerable: true,
          get: () => {
            throw new Error("cannot be read");
          },
        });
      const messages = i === 25 ? reactive([message]) : [message];
      calls.push(system.call("gpt", messages as never, { cache: "skip", timeoutMs: 5_000 }));
    }
    const settled = await Promise.allSettled(calls);
    const replies = settled.filter((s) => s.status === "fulfilled");
    const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
    expect(replies).toHaveLength(100);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field: "messages[0].note" });
    expect(restartsOf("gpt")).toBe(0);
    // The client still serves, and its counters add up.
    expect((await system.call("gpt", [{ role: "user", content: "after the batch" }])).text).toContain(
      "after the batch",
    );
    const stats = system.inspect().children?.find((c) => c.name === "gpt")?.stats;
    expect(stats).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("each kind of value that cannot be carried rejects at admission, naming the field", async () => {
    const throwing = { role: "user", content: "x" };
    Object.defineProperty(throwing, "name", {
      enumerable: true,
      get() {
        throw new Error("getter blew up");
      },
    });
    const cases: [unknown, string][] = [
      [[{ role: "user", content: "x", f: () => 1 }], "messages[0].f"],
      [[{ role: "user", content: "x", s: Symbol("s") }], "messages[0].s"],
      [[{ role: "user", content: [new Note("n")] }], "messages[0].content[0]"],
      [[throwing], "messages[0].name"],
    ];
    for (const [messages, field] of cases) {
      const error = await system.call("gpt", messages as never).catch((e: unknown) => e);
      expect(error, field).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field });
    }
    expect(restartsOf("gpt")).toBe(0);
  });
});

describe("data seen through a Proxy is sent as the plain data it shows", () => {
  it("a reactive history (Vue/MobX style) just works, on call and on stream", async () => {
    const history = reactive<ChatMessage[]>([
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "reactive hello" }] },
    ]);
    const reply = await system.call("gpt", history, { tools: reactive([{ type: "function" }]) });
    expect(reply.text).toContain("reactive hello");
    let streamed = "";
    for await (const chunk of system.stream("gpt", history, { cache: "skip" })) streamed += chunk.text;
    expect(streamed).toBe(reply.text);
  });

  it("a call held while its client restarts is taken as plain data, and settles with a code", async () => {
    const restarted = system.kill("held");
    const pending = system.call("held", reactive([{ role: "user" as const, content: "held reactive" }]));
    await restarted;
    expect((await pending).text).toContain("held reactive");
    const stats = system.inspect().children?.find((c) => c.name === "held")?.stats;
    expect(stats).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe("what the caller passed is what is sent", () => {
  it("changing the history and options right after call() changes nothing sent", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "taken at call time" }];
    const tools = [{ type: "function", function: { name: "first" } }];
    const pending = system.call("gpt", history, { tools, cache: "skip" });
    history.push({ role: "user", content: "pushed after call" });
    (history[0] as { content: string }).content = "changed after call";
    tools[0] = { type: "function", function: { name: "second" } };
    const reply = await pending;
    expect(reply.text).toContain("taken at call time");
    const bodies = sentBodies("taken at call time");
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.messages).toHaveLength(1);
    expect(JSON.stringify(bodies[0]?.tools)).toContain("first");
    expect(JSON.stringify(server.requests)).not.toContain("pushed after call");
  });

  it("the same for a stream: its snapshot is taken at stream(), not at the first pull", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "stream taken at call time" }];
    const stream = system.stream("gpt", history, { cache: "skip" });
    history.push({ role: "user", content: "stream pushed after" });
    let text = "";
    for await (const chunk of stream) text += chunk.text;
    expect(text).toContain("stream taken at call time");
    expect(JSON.stringify(server.requests)).not.toContain("stream pushed after");
  });
});

describe("hostile input is typed, never thrown synchronously, the same on call and stream", () => {
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  const trap = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error("ownKeys trap");
      },
    },
  );
  const bad: [string, () => [unknown, unknown, unknown]][] = [
    ["a revoked proxy as messages", () => ["gpt", revoked.proxy, undefined]],
    ["a throwing ownKeys trap as options", () => ["gpt", [{ role: "user", content: "x" }], trap]],
    [
      "a fake AbortSignal",
      () => ["gpt", [{ role: "user", content: "x" }], { signal: Object.create(AbortSignal.prototype) }],
    ],
    ["a name that is not a string", () => [Object.create(null), [{ role: "user", content: "x" }], undefined]],
    ["a number as name", () => [42, [{ role: "user", content: "x" }], undefined]],
  ];
  for (const [what, args] of bad) {
    it(`${what}: ERR_INVALID_ARGUMENT from call and from stream`, async () => {
      const [name, messages, options] = args();
      let call: Promise<unknown> | undefined;
      expect(() => {
        call = system.call(name as string, messages as never, options as object);
      }).not.toThrow();
      const fromCall = await call?.catch((e: unknown) => e);
      expect(fromCall).toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
      let stream: AsyncIterator<unknown> | undefined;
      expect(() => {
        stream = system.stream(name as string, messages as never, options as object);
      }).not.toThrow();
      const fromStream = await stream?.next().catch((e: unknown) => e);
      expect(fromStream).toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        field: (fromCall as { field: string }).field,
      });
    });
  }
});

describe("signals and errors", () => {
  it("a signal from AbortSignal.timeout() rejects with ERR_TIMEOUT; the reason is the cause", async () => {
    server.fault({ kind: "stall" }, { times: 1 });
    const signal = AbortSignal.timeout(100);
    const error = await system
      .call("gpt", [{ role: "user", content: "timeout signal" }], { signal, cache: "skip" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect((error as Error).cause).toBe(signal.reason);
    expect(((error as Error).cause as Error).name).toBe("TimeoutError");
  });

  it("an abort keeps its reason as the cause, on call and on stream", async () => {
    const reason = new Error("user left");
    const ac = new AbortController();
    server.fault({ kind: "stall" }, { times: 2 });
    const call = system.call("gpt", [{ role: "user", content: "abort reason" }], {
      signal: ac.signal,
      cache: "skip",
    });
    const stream = system.stream("gpt", [{ role: "user", content: "abort reason stream" }], {
      signal: ac.signal,
      cache: "skip",
    });
    const pull = stream.next();
    await server.waitFor((s) => s.inFlight >= 2);
    ac.abort(reason);
    await expect(call).rejects.toMatchObject({ code: "ERR_ABORTED", cause: reason });
    await expect(pull).rejects.toMatchObject({ code: "ERR_ABORTED", cause: reason });
  });

  it("an error's stack shows the caller's own frame", async () => {
    const error = await system.call("gpt", "not messages" as never).catch((e: unknown) => e);
    expect((error as Error).stack).toContain("System.admission.test.ts");
    server.fault({ kind: "status", status: 400 }, { times: 1 });
    const upstream = await system
      .call("gpt", [{ role: "user", content: "stack from a worker error" }], { cache: "skip" })
      .catch((e: unknown) => e);
    expect(upstream).toMatchObject({ code: "ERR_HTTP", deliveries: 1 });
    expect((upstream as Error).stack).toMatch(/^HttpError: /);
    expect((upstream as Error).stack).toContain("System.admission.test.ts");
  });

  it("isDspexError narrows to the code's class: a rate-limited error's retryAfterMs is a number", async () => {
    server.fault({ kind: "rate_limit", retryAfterMs: 50_000 }, { times: 1 });
    const error: unknown = await system
      .call("gpt", [{ role: "user", content: "rate limited" }], { cache: "skip", maxRetries: 0 })
      .catch((e: unknown) => e);
    expect(isDspexError(error, "ERR_RATE_LIMITED")).toBe(true);
    if (isDspexError(error, "ERR_RATE_LIMITED")) {
      const wait: number = error.retryAfterMs; // compiles only if narrowed to a number
      expect(wait).toBe(50_000);
      expect(error.code).toBe("ERR_RATE_LIMITED");
    }
  });

  it("a reply says how many times the call was delivered", async () => {
    // Not "gpt": the 429 above (retry-after 50 s) cooled that whole client down (docs/client.md).
    const reply = await system.call("held", [{ role: "user", content: "deliveries" }]);
    expect(reply.deliveries).toBe(1);
  });
});
