import { Pool } from "undici";
import { expect, it } from "vitest";
import { startMockServer } from "../../../mock/index.js";
import { chat } from "./http.js";

const COMPLETIONS = "/v1/chat/completions";

// Its own file: opening 2,000 loopback connections takes seconds on a busy 2-core machine.
it("holds 2,000 requests in flight on their own timers and still answers others at once", async () => {
  const server = await startMockServer({ logLimit: 0 });
  const pool = new Pool(server.url, { connections: 2_001 });
  try {
    server.fault({ kind: "delay", ms: 60_000 }, { times: 2_000 });
    const body = JSON.stringify(chat("load"));
    const held = Array.from({ length: 2_000 }, () =>
      pool
        .request({
          path: COMPLETIONS,
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        })
        .then(
          (r) => r.body.text(),
          (e: unknown) => e,
        ),
    );
    await server.waitFor((s) => s.inFlight === 2_000 && s.faulted === 2_000, 20_000);
    const started = performance.now();
    const quick = await pool.request({ path: COMPLETIONS, method: "POST", body });
    expect(quick.statusCode).toBe(200);
    await quick.body.text();
    expect(performance.now() - started).toBeLessThan(5_000); // not queued behind the 2,000 waits
    expect(server.stats.maxInFlight).toBe(2_001);
    await server.close(); // ends the held requests
    expect((await Promise.all(held)).every((r) => r instanceof Error)).toBe(true);
  } finally {
    await pool.close();
    await server.close();
  }
});
