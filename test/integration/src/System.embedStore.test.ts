/**
 * Embeddings in a client's external cache store (issue #11 §4): with real worker threads, the loopback
 * mock server and real keyv stores (test/fixtures/dir-store.mjs, shared by every worker through a
 * directory; stuck-store.mjs, whose writes never finish), each input's vector is read from and written
 * to the store. Upstream requests are counted by the server.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type MockServer, mockVector, startMockServer } from "../../../mock/index.js";
import { createSystem, type System } from "../../../src/System.js";
import type { ClientSpec } from "../../../src/types.js";
import { client, closedAfterEach, statsOf } from "../pipelineEnv.js";

const DIR_STORE = new URL("../../fixtures/dir-store.mjs", import.meta.url).href;
const STUCK_STORE = fileURLToPath(new URL("../../fixtures/stuck-store.mjs", import.meta.url));
const DIMS = 8;

const makeEnv = closedAfterEach();

function texts(n: number, prefix = "text"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
}

function expectVectors(vectors: Float32Array[], inputs: readonly string[]): void {
  expect(vectors.map((v) => Array.from(v))).toEqual(inputs.map((t) => Array.from(mockVector(t, DIMS))));
}

function embedRequests(server: MockServer): number {
  return server.stats.byPath["/v1/embeddings"] ?? 0;
}

/** A mock server, a store directory, and a maker of systems (each with new workers) over both. */
async function sharedStore() {
  const dir = await mkdtemp(join(tmpdir(), "dspex-embed-store-"));
  makeEnv.defer(() => rm(dir, { recursive: true, force: true }));
  const server = await startMockServer();
  makeEnv.defer(() => server.close());
  const spec = (extra: Partial<ClientSpec> = {}): ClientSpec =>
    client(server, "emb", { cache: { store: { module: DIR_STORE, options: { dir } } }, ...extra });
  const system = async (): Promise<System> => {
    const s = await createSystem({ children: [spec()] });
    makeEnv.defer(() => s.stop());
    return s;
  };
  return { dir, server, system };
}

/** Waits until the client's writes behind the answer have reached the store. */
async function written(system: System): Promise<void> {
  await expect.poll(() => statsOf(system, "emb").cacheWritesPending).toBe(0);
}

describe("embed with an external store", () => {
  it("a second system over the same store answers from it without an upstream request", async () => {
    const { dir, server, system } = await sharedStore();
    const inputs = texts(3);
    const first = await system();
    const fetched = await first.embed("emb", inputs, { dimensions: DIMS });
    expect(fetched.cachedInputs).toBe(0);
    await written(first);
    // One entry per input, under `dspex:` keys, as base64 bytes plus the model.
    const files = await readdir(dir);
    expect(files).toHaveLength(3);
    expect(files.every((f) => decodeURIComponent(f).startsWith("dspex:"))).toBe(true);
    const stored = JSON.parse(await readFile(join(dir, files[0] as string), "utf8"));
    expect(stored.value).toEqual({ m: "mock-model", v: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect(JSON.stringify(stored)).not.toContain("sk-test-pipeline");

    const second = await system();
    const reply = await second.embed("emb", inputs, { dimensions: DIMS });
    expectVectors(reply.vectors, inputs);
    expect(reply.cachedInputs).toBe(3);
    expect(reply.model).toBe("mock-model");
    expect(embedRequests(server)).toBe(1);
  });

  it("3 of 10 inputs stored: the other 7 are sent, in one request", async () => {
    const { server, system } = await sharedStore();
    const inputs = texts(10);
    const first = await system();
    await first.embed("emb", [inputs[2], inputs[5], inputs[9]] as string[], { dimensions: DIMS });
    await written(first);
    const second = await system();
    const reply = await second.embed("emb", inputs, { dimensions: DIMS });
    expectVectors(reply.vectors, inputs);
    expect(reply.cachedInputs).toBe(3);
    expect(embedRequests(server)).toBe(2);
    const sent = (server.requests[1]?.body as { input?: string[] } | undefined)?.input;
    expect(sent).toEqual(inputs.filter((_, i) => i !== 2 && i !== 5 && i !== 9));
  });

  it("cache modes: refresh sends and rewrites, skip neither reads nor writes", async () => {
    const { dir, server, system } = await sharedStore();
    const s = await system();
    await s.embed("emb", ["a"], { dimensions: DIMS });
    await written(s);
    const refreshed = await s.embed("emb", ["a"], { dimensions: DIMS, cache: "refresh" });
    expect(refreshed.cachedInputs).toBe(0);
    expect(embedRequests(server)).toBe(2);
    await written(s);
    const skipped = await s.embed("emb", ["b"], { dimensions: DIMS, cache: "skip" });
    expect(skipped.cachedInputs).toBe(0);
    expect(await readdir(dir)).toHaveLength(1);
    expect((await s.embed("emb", ["a", "b"], { dimensions: DIMS })).cachedInputs).toBe(1);
    expect(embedRequests(server)).toBe(4);
  });

  it("a corrupt entry reads as a miss: the input is fetched again and the right vector returned", async () => {
    const { dir, server, system } = await sharedStore();
    const s = await system();
    await s.embed("emb", ["a", "b"], { dimensions: DIMS });
    await written(s);
    // Overwrite one entry with valid keyv JSON whose vector is not base64 bytes of floats.
    const [file] = await readdir(dir);
    const entry = JSON.parse(await readFile(join(dir, file as string), "utf8"));
    entry.value = { m: "mock-model", v: "not base64 at all!" };
    await writeFile(join(dir, file as string), JSON.stringify(entry));
    const reply = await s.embed("emb", ["a", "b"], { dimensions: DIMS });
    expectVectors(reply.vectors, ["a", "b"]);
    expect(reply.cachedInputs).toBe(1);
    expect(embedRequests(server)).toBe(2);
    expect((server.requests[1]?.body as { input?: string[] } | undefined)?.input).toHaveLength(1);
  });

  it("a store whose writes never finish delays no answer; writes are capped and counted", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "emb", {
          timeoutMs: 3_000,
          cache: { maxPendingWrites: 2, store: { module: STUCK_STORE, options: { set: "hang" } } },
          shutdownTimeoutMs: 100,
        }),
      ],
    }));
    // Each embed is answered (within its 3 s deadline) though none of its writes ever finish.
    for (let i = 0; i < 3; i++) {
      const reply = await e.system.embed("emb", texts(2, `round ${i}`), { dimensions: DIMS });
      expectVectors(reply.vectors, texts(2, `round ${i}`));
    }
    await expect.poll(() => statsOf(e.system, "emb").cacheWritesDropped).toBe(4);
    const stats = statsOf(e.system, "emb");
    expect(stats.cacheWritesPending).toBe(2);
    expect(stats.cacheWritesFailed).toBe(0);
  });
});
