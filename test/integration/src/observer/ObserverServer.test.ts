/**
 * The observer's server through HTTP (no browser): the token guards every route, the Host check, the
 * snapshot against `inspect()`, the operator actions (POST only), the event stream, and `close`.
 * Real worker threads and the real mock server.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer } from "../../../../mock/index.js";
import { createSystem, type System } from "../../../../src/System.js";

const KEY = "sk-observer-secret-0123456789abcdef";
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

async function start(): Promise<{ system: System; url: URL }> {
  const server = await startMockServer({ latencyMs: 0 });
  cleanups.push(() => server.close());
  const system = await createSystem(
    {
      children: [
        { name: "gpt", provider: "openai", model: "mock-model", baseURL: server.baseURL, apiKey: KEY },
        {
          type: "supervisor",
          name: "team",
          strategy: "one_for_all",
          children: [
            {
              name: "claude",
              provider: "anthropic",
              model: "mock-claude",
              baseURL: server.baseURL,
              apiKey: KEY,
            },
          ],
        },
      ],
    },
    { warmSpare: false },
  );
  cleanups.push(() => system.stop());
  const observer = await system.observe({ port: 0 });
  cleanups.push(() => observer.close());
  return { system, url: new URL(observer.url) };
}

/** A raw request with a chosen Host header. */
function raw(url: URL, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("observer server", () => {
  it("listens on 127.0.0.1 only, with a random token; 403 without it, with a wrong one, or from another Host", async () => {
    const { url } = await start();
    expect(url.hostname).toBe("127.0.0.1");
    const token = url.searchParams.get("token") ?? "";
    expect(token.length).toBeGreaterThanOrEqual(32);
    const bare = new URL(url.pathname, url.origin);
    for (const path of ["/", "/snapshot", "/events"]) {
      expect((await fetch(new URL(path, url.origin))).status).toBe(403);
      expect((await fetch(new URL(`${path}?token=${token.slice(0, -1)}x`, url.origin))).status).toBe(403);
    }
    expect((await fetch(new URL("/kill?client=gpt", url.origin), { method: "POST" })).status).toBe(403);
    expect((await fetch(bare)).status).toBe(403);
    expect(await raw(url, `evil.example:${url.port}`)).toBe(403);
    expect(await raw(url, `localhost:${url.port}`)).toBe(200);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("dspex observer");
  });

  it("the snapshot is inspect()'s tree plus rates; no key in it", async () => {
    const { system, url } = await start();
    await system.call("gpt", [{ role: "user", content: "a" }]);
    await system.call("gpt", [{ role: "user", content: "a" }]);
    const res = await fetch(new URL(`/snapshot${url.search}`, url.origin));
    const text = await res.text();
    expect(text).not.toContain(KEY);
    const snapshot = JSON.parse(text);
    expect(snapshot.tree).toEqual(JSON.parse(JSON.stringify(system.inspect())));
    expect(snapshot.clients.gpt.cacheHitRatio).toBe(0.5);
    expect(snapshot.clients.gpt.latencyMs.count).toBe(2);
    expect(snapshot.clients.claude.cacheHitRatio).toBeUndefined();
  });

  it("kill and clear-cache are POST only, act on the system, and answer a typed error for an unknown client", async () => {
    const { system, url } = await start();
    await system.call("gpt", [{ role: "user", content: "cached" }]);
    const action = (path: string, method = "POST") =>
      fetch(
        new URL(`${path}${path.includes("?") ? "&" : "?"}token=${url.searchParams.get("token")}`, url.origin),
        {
          method,
        },
      );
    expect((await action("/kill?client=gpt", "GET")).status).toBe(405);
    const cleared = await action("/clear-cache?client=gpt");
    expect(await cleared.json()).toEqual({ ok: true, result: 1 });
    const restarted = new Promise<void>((resolve) => {
      const sub = system.on("restart", (e) => {
        if (e.child !== "gpt") return;
        sub.dispose();
        resolve();
      });
    });
    const killed = await action("/kill?client=gpt");
    expect(await killed.json()).toEqual({ ok: true, result: null });
    await restarted;
    expect(system.inspect().children?.[0]?.restarts).toBe(1);
    const unknown = await action("/kill?client=nobody");
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({ ok: false, code: "ERR_UNKNOWN_CLIENT" });
  });

  it("the event stream sends a snapshot at once, then events as they happen; close ends it", async () => {
    const server = await startMockServer({ latencyMs: 0 });
    cleanups.push(() => server.close());
    const system = await createSystem(
      { children: [{ name: "gpt", provider: "openai", model: "m", baseURL: server.baseURL, apiKey: KEY }] },
      { warmSpare: false },
    );
    cleanups.push(() => system.stop());
    const observer = await system.observe();
    const url = new URL(observer.url);
    const res = await fetch(new URL(`/events${url.search}`, url.origin));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const until = async (needle: string) => {
      while (!seen.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) return false;
        seen += decoder.decode(value);
      }
      return true;
    };
    expect(await until("event: snapshot")).toBe(true);
    await system.kill("gpt");
    expect(await until('"type":"restart"')).toBe(true);
    expect(seen).not.toContain(KEY);
    await observer.close();
    expect(await until("never sent")).toBe(false);
    await expect(fetch(observer.url)).rejects.toThrow();
  });

  it("bad options reject with ERR_INVALID_ARGUMENT", async () => {
    const { system } = await start();
    await expect(system.observe({ port: -1 })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await expect(system.observe({ port: 1.5 })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await expect(system.observe({ nope: 1 } as never)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
    });
  });
});
