import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { FromWorker } from "../../../../src/protocol.js";
import { embedReplyMessage } from "../../../../workers/embed/embedReply.js";

const FIELDS = { usage: { promptTokens: 3, totalTokens: 3 }, model: "m", cachedInputs: 1, requests: 1 };

describe("embedReplyMessage", () => {
  it("packs every vector into one buffer, views in order, and lists that buffer for transfer", () => {
    const stored = [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6]), new Float32Array([7, 8, 9])];
    const { message, transfer } = embedReplyMessage(7, stored, FIELDS, { attempts: 1 });
    expect(message.type).toBe("embedded");
    expect(message.id).toBe(7);
    const vectors = message.reply.vectors;
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(transfer).toHaveLength(1);
    for (const v of vectors) expect(v.buffer).toBe(transfer[0]);
    expect(vectors.map((v) => v.byteOffset)).toEqual([0, 12, 24]);
    // Copies: what the cache keeps is not what is moved away.
    for (let i = 0; i < stored.length; i++) expect(vectors[i]?.buffer).not.toBe(stored[i]?.buffer);
    expect(message.reply).toMatchObject(FIELDS);
  });

  it("moves the buffer through postMessage: the sender's side is detached, the receiver's views are intact", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = new Promise<FromWorker>((resolve) => port2.once("message", resolve));
    const stored = [new Float32Array([0.5, -0.5]), new Float32Array([0.25])];
    const { message, transfer } = embedReplyMessage(1, stored, FIELDS, { attempts: 1 });
    port1.postMessage(message, transfer);
    expect(transfer[0]?.byteLength).toBe(0);
    expect(message.reply.vectors[0]?.length).toBe(0);
    const arrived = (await got) as Extract<FromWorker, { type: "embedded" }>;
    expect(arrived.reply.vectors.map((v) => Array.from(v))).toEqual([[0.5, -0.5], [0.25]]);
    expect(arrived.reply.vectors[0]).toBeInstanceOf(Float32Array);
    expect(arrived.reply.vectors[0]?.buffer).toBe(arrived.reply.vectors[1]?.buffer);
    for (const v of stored) expect(v.buffer.byteLength).toBeGreaterThan(0);
    port1.close();
    port2.close();
  });
});
