/**
 * The observer page in a real browser (headless Chromium through playwright-core) against a real
 * system (worker threads, the loopback mock server): the tree renders, a kill from the page shows the
 * restart within a second, the numbers on the page are inspect()'s, and no token means 403.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../mock/index.js";
import { createSystem, type System } from "../../src/System.js";
import type { NodeSnapshot } from "../../src/types.js";
import { type Browser, launch } from "./chromium.js";

const KEY = "sk-browser-secret-0123456789abcdef";
let server: MockServer;
let system: System;
let browser: Browser;
let url: string;

beforeAll(async () => {
  server = await startMockServer({ latencyMs: 0 });
  const client = (name: string, extra: object = {}) => ({
    name,
    provider: "openai" as const,
    model: `model-${name}`,
    baseURL: server.baseURL,
    apiKey: KEY,
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  system = await createSystem({
    strategy: "one_for_one",
    maxRestarts: 10,
    withinMs: 10_000,
    children: [
      client("gpt"),
      {
        type: "supervisor",
        name: "local",
        strategy: "rest_for_one",
        maxRestarts: 10,
        withinMs: 10_000,
        children: [client("llama"), client("flaky", { breaker: { failures: 2, halfOpenAfterMs: 60_000 } })],
      },
    ],
  });
  url = (await system.observe({ port: 0, intervalMs: 100 })).url;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await server?.close();
});

function nodes(node: NodeSnapshot): NodeSnapshot[] {
  return [node, ...(node.children ?? []).flatMap(nodes)];
}

/** Resolves once the page rendered a snapshot taken after `since` (epoch ms). */
async function freshSnapshot(page: import("playwright-core").Page, since: number): Promise<void> {
  // A string: the test is compiled without the DOM library; the page evaluates it.
  await page.waitForFunction(`Number(document.body.dataset.at ?? 0) > ${since}`);
}

describe("observer page", () => {
  it("renders the tree: every node with its status and restart count", async () => {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-node="flaky"]');
    for (const node of nodes(system.inspect())) {
      const el = page.locator(`[data-node="${node.name}"]`);
      expect(await el.getAttribute("data-status")).toBe(node.status);
      expect(await el.getAttribute("data-restarts")).toBe(String(node.restarts));
    }
    expect(await page.locator("tr[data-client]").count()).toBe(3);
    expect(await page.content()).not.toContain(KEY);
    await page.close();
  });

  it("a kill from the page shows the restart within a second", async () => {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-node="gpt"][data-status="running"]');
    const before = Number(await page.locator('[data-node="gpt"]').getAttribute("data-restarts"));
    const thread = system.inspect().children?.find((c) => c.name === "gpt")?.threadId;
    const clicked = Date.now();
    await page.click('button[data-action="kill"][data-client="gpt"]');
    await page.waitForSelector(`[data-node="gpt"][data-restarts="${before + 1}"][data-status="running"]`, {
      timeout: 1_000,
    });
    expect(Date.now() - clicked).toBeLessThan(1_000);
    expect(system.inspect().children?.find((c) => c.name === "gpt")?.threadId).not.toBe(thread);
    await page.waitForSelector('#events li[data-event="restart"]', { timeout: 1_000 });
    await page.close();
  });

  it("the numbers on the page are inspect()'s", async () => {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('tr[data-client="llama"]');
    for (const text of ["a", "b", "a", "a"]) await system.call("llama", [{ role: "user", content: text }]);
    server.fault({ kind: "status", status: 500 }, { model: "model-flaky" });
    for (const text of ["x", "y", "z"])
      await system.call("flaky", [{ role: "user", content: text }]).catch(() => undefined);
    server.clearFaults();
    const settled = Date.now();
    await freshSnapshot(page, settled);
    const snapshot = system.inspect();
    for (const node of nodes(snapshot).filter((n) => n.stats !== undefined)) {
      const stats = node.stats;
      if (stats === undefined) continue;
      const cell = async (field: string) =>
        (
          await page.locator(`tr[data-client="${node.name}"] td[data-field="${field}"]`).textContent()
        )?.trim();
      expect(await cell("ok")).toBe(stats.ok.toLocaleString("en-US"));
      expect(await cell("inFlight")).toBe(String(stats.inFlight));
      expect(await cell("queued")).toBe(String(stats.queued));
      expect(await cell("cacheEntries")).toBe(String(stats.cacheEntries));
      expect(await cell("retries")).toBe(String(stats.retries));
      expect(await cell("breaker")).toBe(node.breaker);
      const errors = Object.entries(stats.errors)
        .filter(([, n]) => n)
        .map(([code, n]) => `${code} ${n}`)
        .join(", ");
      expect(await cell("errors")).toBe(errors === "" ? "–" : errors);
      const looked = stats.cacheHits + stats.cacheMisses;
      if (looked > 0) expect(await cell("cacheHitRatio")).toContain(`(${stats.cacheHits}/${looked})`);
    }
    // The calls above really moved the figures the page shows.
    const llama = nodes(snapshot).find((n) => n.name === "llama")?.stats;
    expect(llama).toMatchObject({ ok: 4, cacheHits: 2, cacheMisses: 2 });
    expect(nodes(snapshot).find((n) => n.name === "flaky")?.breaker).toBe("open");
    await page.close();
  });

  it("a request without the token gets 403, and so does a wrong token", async () => {
    const page = await browser.context.newPage();
    const bare = new URL(url);
    bare.search = "";
    expect((await page.goto(bare.href))?.status()).toBe(403);
    const wrong = new URL(url);
    wrong.searchParams.set("token", "not-the-token");
    expect((await page.goto(wrong.href))?.status()).toBe(403);
    expect((await page.goto(url))?.status()).toBe(200);
    await page.close();
  });
});
