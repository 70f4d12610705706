/**
 * The worker's connection pool against the real mock server: bounded connections, reuse, a queue
 * when every connection is busy, and no connection lost to a refused or stopped request.
 */
import { once } from "node:events";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMockServer } from "../../../../mock/index.js";
import type { MockServer } from "../../../../mock/types.js";
import type { ConnectionPool } from "../../../../workers/http/ConnectionPool.js";
import { Exchange } from "../../../../workers/http/Exchange.js";
import { createPool } from "../../../../workers/http/Transport.js";

let server: MockServer;
const pools: ConnectionPool[] = [];

beforeAll(async () => {
  server = await startMockServer();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await server.close();
});
afterEach(() => {
  server.setLatency(0);
  server.clearFaults();
  server.resetStats();
});

function pool(connections: number): ConnectionPool {
  const p = createPool(server.baseURL, connections);
  pools.push(p);
  return p;
}

const BODY = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

/** One chat request through the pool's `dispatch`, as the transport sends it. */
function exchange(p: ConnectionPool, headers: Record<string, string> = {}): Exchange {
  const ex = new Exchange({ maxBytes: 1 << 20, maxErrorBytes: 1 << 16 });
  p.dispatch(
    {
      path: "/v1/chat/completions",
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: BODY,
    },
    ex,
  );
  return ex;
}

describe("ConnectionPool", () => {
  it("never opens more than its bound and queues the rest, answering every request", async () => {
    server.setLatency(30);
    const p = pool(4);
    const all = Array.from({ length: 20 }, () => exchange(p).promise);
    expect(p.size).toBe(4);
    expect(p.queued).toBe(16);
    const answers = await Promise.all(all);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(server.stats.maxInFlight).toBe(4);
    expect(p.size).toBe(4);
    expect(p.queued).toBe(0);
  });

  it("reuses a free connection instead of opening another", async () => {
    const p = pool(8);
    for (let i = 0; i < 5; i++) {
      expect((await exchange(p).promise).status).toBe(200);
      // undici's client says it is free (`drain`) on a microtask after the response completes: one
      // turn of the event loop later it is back on the idle stack, whatever the timing of the await.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(p.size).toBe(1);
  });

  it("a request the client refuses (a bad header value) fails and keeps the connection usable", async () => {
    const p = pool(1);
    await expect(exchange(p, { "x-bad": "a\r\nb" }).promise).rejects.toMatchObject({
      code: "UND_ERR_INVALID_ARG",
    });
    expect((await exchange(p).promise).status).toBe(200);
    expect(p.size).toBe(1);
  });

  it("a stopped request tears its connection down and frees the slot for the next", async () => {
    const p = pool(1);
    server.fault({ kind: "stall" }, { times: 1 });
    const stalled = exchange(p);
    const next = exchange(p);
    await server.waitFor((s) => s.inFlight === 1);
    stalled.stop("aborted");
    await expect(stalled.promise).rejects.toThrow();
    expect(stalled.cause).toBe("aborted");
    expect((await next.promise).status).toBe(200);
    await server.waitFor((s) => s.closedEarly === 1);
  });

  it("a dropped connection fails its request and the pool goes on with one connection", async () => {
    const p = pool(1);
    for (let i = 0; i < 3; i++) {
      server.fault({ kind: "drop" }, { times: 1 });
      await expect(exchange(p).promise).rejects.toThrow();
    }
    // Had a failure kept the only connection from coming back, this would wait forever.
    expect((await exchange(p).promise).status).toBe(200);
    expect(p.size).toBe(1);
  });

  it("a refused connection fails its request without losing the slot", async () => {
    // A loopback port with nothing listening: take one, then close it.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, "close");
    const p = createPool(`http://127.0.0.1:${port}/v1`, 1);
    pools.push(p);
    for (let i = 0; i < 3; i++) {
      await expect(exchange(p).promise).rejects.toMatchObject({ code: "ECONNREFUSED" });
    }
    expect(p.size).toBe(1);
    expect(p.queued).toBe(0);
  });

  it("serves the request API used by streams (request + body)", async () => {
    const p = pool(2);
    const response = await p.request({
      path: "/v1/chat/completions",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(await response.body.text())).toHaveProperty("choices");
  });

  it("destroy fails queued requests and refuses new ones", async () => {
    server.fault({ kind: "stall" }, { times: 1 });
    const p = pool(1);
    const inFlight = exchange(p);
    const queued = exchange(p);
    await server.waitFor((s) => s.inFlight === 1);
    const failures = [
      expect(inFlight.promise).rejects.toThrow(),
      expect(queued.promise).rejects.toThrow(/destroyed/),
    ];
    await p.destroy();
    await Promise.all(failures);
    await expect(exchange(p).promise).rejects.toThrow(/closed/);
  });
});
