import { describe, expect, it } from "vitest";
import { LazyStreams } from "../../../workers/LazyStreams.js";
import type { StreamDeps } from "../../../workers/stream/StreamDeps.js";

describe("LazyStreams", () => {
  it("loads nothing until the first stream, and a stop before any stream cuts none", async () => {
    const lazy = new LazyStreams({} as StreamDeps);
    expect(lazy.cancel(1)).toBe(false);
    lazy.credit({ type: "credit", id: 1, n: 4 });
    await expect(lazy.stop(100)).resolves.toBe(0);
  });
});
