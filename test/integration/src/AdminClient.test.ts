/**
 * The admin port (comlink) through the public API: real worker threads, a real mock server on
 * loopback, and a fixture store whose `clear()` hangs or throws (test/fixtures/stuck-store.mjs).
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DspexError } from "../../../src/errors.js";
import type { System } from "../../../src/System.js";
import { HELLO, mockClient, setup } from "../harness.js";

const STUCK_STORE = fileURLToPath(new URL("../../fixtures/stuck-store.mjs", import.meta.url));
const API_KEY = "sk-admin-test-KEY-0123456789";
const STORE_PASSWORD = "hunter2-STORE-PASSWORD";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});

/** Resolves once client `name` is running again after a restart. */
function restarted(system: System, name: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = system.on("restart", (event) => {
      if (event.child !== name) return;
      sub.dispose();
      resolve();
    });
  });
}

function threadOf(system: System, name: string): number | undefined {
  return system.inspect().children?.find((c) => c.name === name)?.threadId;
}

/** A client whose cache is the stuck store, with `clear` behaving as asked. */
function stuckCache(clear: "hang" | "throw") {
  return { store: { module: STUCK_STORE, options: { clear, password: STORE_PASSWORD } } };
}

describe("system.admin: cache", () => {
  it("clearCache empties the worker's cache: the next call is a miss that goes upstream", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt")] }));
    cleanups.push(env.close);
    const admin = env.system.admin("gpt");
    expect((await env.system.call("gpt", HELLO)).cached).toBe(false);
    expect((await env.system.call("gpt", HELLO)).cached).toBe(true);
    expect(env.server.stats.requests).toBe(1);
    expect((await admin.cacheInfo()).entries).toBe(1);

    expect(await admin.clearCache()).toBe(1);

    expect((await admin.cacheInfo()).entries).toBe(0);
    expect((await env.system.call("gpt", HELLO)).cached).toBe(false);
    expect(env.server.stats.requests).toBe(2);
  });

  it("cacheInfo tells settings and size, and never a secret", async () => {
    const env = await setup(
      (s) => ({
        children: [
          mockClient(s, "mem", { apiKey: API_KEY, cache: { maxEntries: 50, ttlMs: 60_000 } }),
          mockClient(s, "ext", { apiKey: API_KEY, cache: stuckCache("hang") }),
          mockClient(s, "off", { apiKey: API_KEY, cache: false }),
        ],
      }),
      { apiKey: API_KEY },
    );
    cleanups.push(env.close);
    const mem = await env.system.admin("mem").cacheInfo();
    const ext = await env.system.admin("ext").cacheInfo();
    const off = await env.system.admin("off").cacheInfo();
    expect(mem).toEqual({
      enabled: true,
      entries: 0,
      maxEntries: 50,
      ttlMs: 60_000,
      store: "memory",
      errors: 0,
    });
    expect(ext).toMatchObject({ enabled: true, entries: undefined, store: STUCK_STORE, errors: 0 });
    expect(off).toEqual({ enabled: false, entries: 0, maxEntries: 0, ttlMs: 0, store: "none", errors: 0 });
    const text = JSON.stringify([mem, ext, off]);
    expect(text).not.toContain(STORE_PASSWORD);
    expect(text).not.toContain(API_KEY);
    expect(await env.system.admin("off").clearCache()).toBe(0);
  });

  it("a failing store rejects clearCache with a rebuilt DspexError that quotes no secret", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt", { cache: stuckCache("throw") })] }));
    cleanups.push(env.close);
    const error = await env.system
      .admin("gpt")
      .clearCache()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DspexError);
    expect(error).toMatchObject({ code: "ERR_NETWORK", client: "gpt" });
    expect(JSON.stringify({ message: (error as Error).message, error })).not.toContain(STORE_PASSWORD);
  });
});

describe("system.admin: breaker and mailbox", () => {
  it("reports the live breaker state and mailbox occupancy", async () => {
    const env = await setup(
      (s) => ({ children: [mockClient(s, "gpt", { maxConcurrency: 1, maxQueue: 4 })] }),
      {
        latencyMs: 300,
      },
    );
    cleanups.push(env.close);
    const admin = env.system.admin("gpt");
    expect(await admin.breaker()).toEqual({ state: "closed" });
    expect(await admin.mailbox()).toEqual({ active: 0, queued: 0, maxConcurrency: 1, maxQueue: 4 });

    const calls = [1, 2, 3].map((i) => env.system.call("gpt", [{ role: "user", content: `q${i}` }]));
    await env.server.waitFor((s) => s.inFlight === 1);
    // The two other calls reach the worker's mailbox over the call port, which is not ordered with
    // the admin port: ask until they are both seen waiting (a test time-out if they never are).
    let seen = await admin.mailbox();
    while (seen.queued < 2) seen = await admin.mailbox();
    expect(seen).toMatchObject({ active: 1, queued: 2 });

    await Promise.all(calls);
    expect(await admin.mailbox()).toMatchObject({ active: 0, queued: 0 });
  });
});

describe("system.admin: a worker that dies", () => {
  it("rejects a call in flight when the worker is killed, rejects while restarting, then serves the new worker", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt", { cache: stuckCache("hang") })] }));
    cleanups.push(env.close);
    const admin = env.system.admin("gpt");
    const before = threadOf(env.system, "gpt");

    // The store's clear() never settles: only the worker's death can end this call.
    const inFlight = admin.clearCache().then(
      () => "resolved",
      (e: unknown) => e,
    );
    const back = restarted(env.system, "gpt");
    await env.system.kill("gpt");
    const error = await inFlight;
    expect(error).toBeInstanceOf(DspexError);
    expect(error).toMatchObject({ code: "ERR_WORKER_CRASHED", client: "gpt" });

    // No worker is ready until the restart completes: admin calls reject rather than wait.
    await expect(admin.cacheInfo()).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE", client: "gpt" });

    await back;
    expect(threadOf(env.system, "gpt")).not.toBe(before);
    expect(await admin.cacheInfo()).toMatchObject({ enabled: true, store: STUCK_STORE });
    expect(await admin.breaker()).toEqual({ state: "closed" });
  });

  it("rejects a call in flight when the system stops, and every call after", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt", { cache: stuckCache("hang") })] }));
    const admin = env.system.admin("gpt");
    const inFlight = admin.clearCache().then(
      () => "resolved",
      (e: unknown) => e,
    );
    await env.close();
    expect(await inFlight).toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE", client: "gpt" });
    await expect(admin.mailbox()).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
    expect(env.spawner.all().every((w) => w.threadId === -1)).toBe(true);
  });

  it("rejects an unknown client name", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt")] }));
    cleanups.push(env.close);
    await expect(env.system.admin("nope").cacheInfo()).rejects.toMatchObject({ code: "ERR_UNKNOWN_CLIENT" });
  });
});
