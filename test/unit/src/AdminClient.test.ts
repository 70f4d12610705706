/**
 * AdminClient over a real MessageChannel and real comlink, with the served API in this thread:
 * closing rejects what is pending, a silent peer hits the deadline, and errors come back as classes.
 */
import { MessageChannel } from "node:worker_threads";
import { expose } from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import { AdminClient, adminFacade } from "../../../src/AdminClient.js";
import { dspexError, WorkerCrashedError } from "../../../src/errors.js";
import { portEndpoint } from "../../../src/portEndpoint.js";
import type { AdminApi, CacheInfo } from "../../../src/protocol.js";

const INFO: CacheInfo = {
  enabled: true,
  entries: 3,
  maxEntries: 10,
  ttlMs: 1_000,
  store: "memory",
  errors: 0,
};

/** An API whose `clearCache` never answers and whose `breaker` fails in the ways a worker can. */
function servedApi(breakerFailure: unknown): AdminApi {
  return {
    clearCache: () => new Promise<number>(() => {}),
    cacheInfo: async () => INFO,
    breaker: async () => {
      throw breakerFailure;
    },
    mailbox: async () => ({ active: 0, queued: 0, maxConcurrency: 1, maxQueue: 0 }),
  };
}

const open: AdminClient[] = [];
afterEach(() => {
  for (const client of open.splice(0)) client.close("ERR_CLIENT_UNAVAILABLE", "test over");
});

function connect(api: AdminApi, timeoutMs?: number): AdminClient {
  const { port1, port2 } = new MessageChannel();
  expose(api, portEndpoint(port2));
  const client = new AdminClient(port1, "gpt", timeoutMs);
  open.push(client);
  return client;
}

describe("AdminClient", () => {
  it("answers through comlink", async () => {
    const client = connect(servedApi(undefined));
    expect(await client.cacheInfo()).toEqual(INFO);
  });

  it("close rejects pending calls with the given code, and every later call at once", async () => {
    const client = connect(servedApi(undefined));
    const pending = client.clearCache().catch((e: unknown) => e);
    client.close("ERR_WORKER_CRASHED", "the worker exited");
    const error = await pending;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error).toMatchObject({ code: "ERR_WORKER_CRASHED", client: "gpt" });
    await expect(client.cacheInfo()).rejects.toMatchObject({ code: "ERR_WORKER_CRASHED" });
    expect(client.closed).toBe(true);
  });

  it("rejects with ERR_TIMEOUT when a live peer does not answer in time", async () => {
    const client = connect(servedApi(undefined), 50);
    await expect(client.clearCache()).rejects.toMatchObject({ code: "ERR_TIMEOUT", client: "gpt" });
    // The deadline is per call: the port still serves.
    expect(await client.cacheInfo()).toEqual(INFO);
  });

  it("rebuilds plain error data into its DspexError class, and keeps a bare Error's message", async () => {
    const data = dspexError("ERR_NETWORK", "store down", { client: "gpt" }).toJSON();
    const fromData = await connect(servedApi(data))
      .breaker()
      .catch((e: unknown) => e);
    expect(fromData).toMatchObject({ name: "NetworkError", code: "ERR_NETWORK", message: "store down" });
    const fromError = await connect(servedApi(new Error("boom")))
      .breaker()
      .catch((e: unknown) => e);
    expect(fromError).toMatchObject({ code: "ERR_BAD_RESPONSE", client: "gpt" });
    expect((fromError as Error).message).toContain("boom");
  });
});

describe("adminFacade", () => {
  it("looks the target up per call and turns a throw into a rejection", async () => {
    let target: AdminApi | undefined;
    const facade = adminFacade(() => {
      if (target === undefined) throw dspexError("ERR_CLIENT_UNAVAILABLE", "no worker");
      return target;
    });
    const rejected = facade.cacheInfo();
    await expect(rejected).rejects.toMatchObject({ code: "ERR_CLIENT_UNAVAILABLE" });
    target = connect(servedApi(undefined));
    expect(await facade.cacheInfo()).toEqual(INFO);
  });
});
