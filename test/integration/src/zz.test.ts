import { it } from "vitest";
import { ask, client, pipelineEnv, nodeOf } from "../pipelineEnv.js";
it("dbg", async () => {
  for (let round = 0; round < 3; round++) {
  const e = await pipelineEnv((s) => ({ children: [client(s, "gpt", { cache: false })] }), { latencyMs: 20, limits: { rpm: 30, windowMs: 1_000 } });
  const t = Date.now();
  const seen: string[] = [];
  const out = await Promise.allSettled(Array.from({ length: 90 }, (_, i) => e.system.call("gpt", ask(`fc ${i}`)).then((r) => { seen.push(`${Date.now() - t} ${JSON.stringify(r.rateLimit?.requests)}`); return r; }, (err) => { seen.push(`${Date.now() - t} ${err.code} ${err.retryAfterMs}`); throw err; })));
  const bad = out.filter((r) => r.status === "rejected");
  console.log(round, Date.now() - t, bad.length, e.server.stats.byStatus, JSON.stringify(nodeOf(e.system, "gpt").limiter));
  if (bad.length > 0 || (e.server.stats.byStatus[429] ?? 0) > 1) console.log(seen.slice(0, 45).join("\n"));
  await e.close();
  }
}, 60_000);
