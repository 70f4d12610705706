/**
 * `npm start`: a tour of dspex on the embedded mock LLM server (no API key, no network).
 * With OPENAI_API_KEY set, the "gpt4o" client talks to the real OpenAI API instead; the fault
 * scenes always use the mock, so they never bill anyone.
 */

import { startMockServer } from "../mock/index.js";
import { createSystem, type DspexError, type NodeSnapshot, type System } from "../src/index.js";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = "") => process.stdout.write(`${s}\n`);
const scene = (n: number, title: string) => say(`\n${bold(`${n}. ${title}`)}`);
const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;

function tree(node: NodeSnapshot, indent = "", last = true, root = true): string[] {
  const branch = root ? "" : last ? "└─ " : "├─ ";
  const what =
    node.type === "supervisor"
      ? `${bold(node.name)} ${dim(`(${node.strategy}, ${node.status}, restarts ${node.restarts})`)}`
      : node.type === "router"
        ? `${bold(node.name)} ${dim(`router ${node.strategy} over ${node.members?.join(", ")}`)}`
        : `${bold(node.name)} ${dim(`${node.provider}/${node.model} ${node.status}, thread ${node.threadId}, restarts ${node.restarts}, breaker ${node.breaker}`)}`;
  const lines = [`${indent}${branch}${what}`];
  const kids = node.children ?? [];
  const childIndent = root ? indent : `${indent}${last ? "   " : "│  "}`;
  kids.forEach((child, i) => {
    lines.push(...tree(child, childIndent, i === kids.length - 1, false));
  });
  return lines;
}

async function main(): Promise<void> {
  say(bold("dspex: LLM clients as supervised worker threads"));
  const server = await startMockServer({ latencyMs: 20, chunkDelayMs: 40, chunkSize: 1 });
  const realOpenAI = process.env.OPENAI_API_KEY !== undefined && process.env.OPENAI_API_KEY !== "";
  say(dim(`mock LLM server on ${server.baseURL}${realOpenAI ? "; gpt4o uses the real OpenAI API" : ""}`));

  const gpt4o = realOpenAI
    ? { name: "gpt4o", provider: "openai" as const, model: "gpt-4o-mini", apiKey: process.env.OPENAI_API_KEY }
    : {
        name: "gpt4o",
        provider: "openai" as const,
        model: "gpt-4o-mini",
        baseURL: server.baseURL,
        apiKey: "sk-demo",
      };

  scene(1, "Start a supervision tree: every client is a worker thread of its own");
  const started = performance.now();
  const system = await createSystem({
    strategy: "one_for_one",
    maxRestarts: 3,
    withinMs: 5_000,
    children: [
      gpt4o,
      {
        type: "supervisor",
        name: "local",
        strategy: "rest_for_one",
        maxRestarts: 2,
        withinMs: 5_000,
        children: [
          {
            name: "fast",
            provider: "openai",
            model: "mock-fast",
            baseURL: server.baseURL,
            maxConcurrency: 256,
          },
          {
            name: "claude",
            provider: "anthropic",
            model: "claude-sonnet-4-5",
            baseURL: server.baseURL,
            apiKey: "sk-ant-demo",
          },
          {
            name: "flaky",
            provider: "openai",
            model: "mock-flaky",
            baseURL: server.baseURL,
            breaker: { failures: 3, halfOpenAfterMs: 60_000 },
            retry: { maxRetries: 0 },
          },
        ],
      },
      // A client of its own key, for the rate-limit scene.
      {
        name: "metered",
        provider: "openai",
        model: "mock-metered",
        baseURL: server.baseURL,
        apiKey: "sk-metered",
        // No rate to configure: it is learned from the vendor's headers. This only asks the first call
        // to go alone, so the burst of the scene is paced from the first answer on, not sent blind.
        limits: { firstContactMs: 2_000 },
      },
      // One name over two clients of different providers: flaky first, claude when flaky cannot answer.
      { type: "router", name: "chat", strategy: "fallback", members: ["flaky", "claude"] },
    ],
  });
  system.on("*", (event) => {
    if (event.type === "retry" || event.type === "usage") return;
    say(dim(`   event ${JSON.stringify(event)}`));
  });
  say(`ready in ${ms(started)}`);
  // The live observer of this tree (docs/observability.md): open the URL while the tour runs.
  const observer = await system.observe({ port: Number(process.env.DSPEX_OBSERVE_PORT ?? 0) });
  say(`observer: ${bold(observer.url)}`);
  say(tree(system.inspect()).join("\n"));

  try {
    await tour(system, server);
    if (process.stdout.isTTY && process.env.DSPEX_DEMO_NO_WAIT === undefined) {
      say(`\nThe observer stays open at ${observer.url}\n${dim("press Enter (or Ctrl-C) to stop the demo")}`);
      await new Promise<void>((resolve) => {
        process.stdin.once("data", () => resolve());
        process.once("SIGINT", () => resolve());
      });
      process.stdin.pause();
    }
  } finally {
    scene(12, "Stop: drain, stop in reverse start order, leave nothing running");
    const stopping = performance.now();
    await system.stop();
    await server.close();
    say(`stopped in ${ms(stopping)}; state ${system.state}`);
  }
}

async function tour(system: System, server: Awaited<ReturnType<typeof startMockServer>>): Promise<void> {
  const ask = (q: string) => [{ role: "user" as const, content: q }];

  scene(2, "A call");
  const reply = await system.call("gpt4o", ask("Capital of France?"), { temperature: 0 });
  say(
    `gpt4o: ${JSON.stringify(reply.text)} ${dim(`(cached ${reply.cached}, ${reply.usage.totalTokens} tokens, ${reply.finishReason})`)}`,
  );
  const claude = await system.call("claude", ask("Capital of France?"), { temperature: 0 });
  say(
    `claude: ${JSON.stringify(claude.text)} ${dim(`(Anthropic messages API, ${claude.usage.totalTokens} tokens)`)}`,
  );

  scene(3, "Many calls in flight inside one worker (the Elixir GenServer made one at a time)");
  server.setLatency(100);
  let t = performance.now();
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => system.call("fast", ask(`question ${i}`), { cache: "skip" })),
  );
  say(
    `200 calls against a 100 ms upstream: ${ms(t)} (one at a time would take 20 s); server peak in flight ${server.stats.maxInFlight}`,
  );
  server.setLatency(20);

  scene(4, "Kill a worker mid-load: every call still settles");
  const fastNode = () =>
    system
      .inspect()
      .children?.find((c) => c.name === "local")
      ?.children?.find((c) => c.name === "fast");
  const before = fastNode()?.threadId;
  // rest_for_one: "flaky", started last under "local", comes back last.
  const lastBack = new Promise<void>((resolve) => {
    const sub = system.on("restart", (e) => {
      if (e.child !== "flaky") return;
      sub.dispose();
      resolve();
    });
  });
  server.setLatency(150);
  const load = Array.from({ length: 50 }, (_, i) => system.call("fast", ask(`load ${i}`), { cache: "skip" }));
  await server.waitFor((s) => s.inFlight >= 50);
  t = performance.now();
  await system.kill("fast");
  const settled = await Promise.allSettled(load);
  await lastBack;
  server.setLatency(20);
  const ok = settled.filter((s) => s.status === "fulfilled").length;
  say(
    `50 calls in flight, worker killed: ${ok} answered, ${50 - ok} failed, 0 lost (${ms(t)}); thread ${before} -> ${fastNode()?.threadId}`,
  );
  say(dim("   rest_for_one: killing fast also restarted the clients started after it (claude, flaky)"));

  scene(5, "The response cache, and coalescing of identical concurrent calls");
  const q = ask("What is OTP?");
  const first = await system.call("gpt4o", q, { temperature: 0 });
  const second = await system.call("gpt4o", q, { temperature: 0 });
  say(`same call twice: cached ${first.cached} then ${second.cached}`);
  const requestsBefore = server.stats.requests;
  const [x, y] = await Promise.all([
    system.call("fast", ask("coalesce me"), { temperature: 0.2 }),
    system.call("fast", ask("coalesce me"), { temperature: 0.2 }),
  ]);
  say(
    `two identical concurrent calls: ${server.stats.requests - requestsBefore} upstream request, same text ${x.text === y.text}`,
  );

  scene(6, "Circuit breaker: a failing upstream fails fast; other clients keep serving");
  server.fault({ kind: "status", status: 503 }, { model: "mock-flaky" });
  const codes: string[] = [];
  for (let i = 0; i < 5; i++) {
    const error = (await system.call("flaky", ask(`try ${i}`)).catch((e: unknown) => e)) as DspexError;
    codes.push(error.code);
  }
  say(`flaky: ${codes.join(", ")}`);
  const healthy = await system.call("fast", ask("still there?"));
  say(`fast meanwhile: ${JSON.stringify(healthy.text)}`);
  server.clearFaults();

  scene(7, "A 429 with retry-after is waited out, then answered");
  server.fault({ kind: "rate_limit", retryAfterMs: 300 }, { model: "mock-fast", times: 1 });
  t = performance.now();
  const limited = await system.call("fast", ask("rate limited?"), { cache: "skip" });
  say(`answered after ${ms(t)} (upstream asked for 300 ms): ${JSON.stringify(limited.text)}`);

  scene(8, "A router: one name over two providers, falling back when the first cannot answer");
  server.fault({ kind: "status", status: 503 }, { model: "mock-flaky" });
  const routed = await system.call("chat", ask("Who answers?"), { temperature: 0 });
  say(`chat answered by ${bold(routed.client ?? "?")}: ${JSON.stringify(routed.text)}`);
  say(dim(`   attempts ${JSON.stringify(routed.attempts)} (flaky's breaker is open: skipped without a try)`));
  server.clearFaults();

  scene(9, "Rate limits learned from the vendor's headers: no rate configured");
  // The mock enforces 30 requests per second for this key, like a vendor (x-ratelimit-* headers, 429s).
  server.setLimits({ rpm: 30, windowMs: 1_000 });
  const refusedBefore = server.stats.byStatus[429] ?? 0;
  t = performance.now();
  const metered = await Promise.allSettled(
    Array.from({ length: 90 }, (_, i) => system.call("metered", ask(`metered ${i}`), { cache: "skip" })),
  );
  const limiter = system.inspect().children?.find((c) => c.name === "metered")?.limiter;
  const answered = metered.filter((r) => r.status === "fulfilled").length;
  say(
    `90 calls against 30 per second: ${answered} answered in ${ms(t)}, ${(server.stats.byStatus[429] ?? 0) - refusedBefore} requests answered 429 upstream`,
  );
  if (limiter?.rpm !== undefined)
    say(
      `metered learned its limit from the headers: ${limiter.requestsCapacity} requests, paced at ${(limiter.rpm / 60).toFixed(1)} per second`,
    );
  say(dim(`   metered's limiter: ${JSON.stringify(limiter)}`));
  server.setLimits({});

  scene(10, "Streaming: tokens as they arrive, then the same answer replayed from the cache");
  const story = ask("Tell me a short story about supervisors.");
  process.stdout.write("stream: ");
  for await (const chunk of system.stream("claude", story, { temperature: 0 }))
    process.stdout.write(chunk.text);
  say();
  process.stdout.write("replay: ");
  let chunks = 0;
  for await (const chunk of system.stream("claude", story, { temperature: 0 })) {
    process.stdout.write(chunk.text);
    chunks++;
  }
  say(dim(` (${chunks} chunk(s) from the cache)`));
  const viaCall = await system.call("claude", story, { temperature: 0 });
  say(`call() on the same request: cached ${viaCall.cached}`);

  scene(11, "inspect(): the tree, plain data, no secrets");
  say(tree(system.inspect()).join("\n"));
  const fast = system
    .inspect()
    .children?.find((c) => c.name === "local")
    ?.children?.find((c) => c.name === "fast");
  say(dim(`fast stats: ${JSON.stringify(fast?.stats)}`));
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error)?.stack ?? error}\n`);
  process.exitCode = 1;
});
