/**
 * The whole answer through real worker threads and the loopback mock, on every provider: reasoning
 * (streamed as deltas), signatures that make a tool loop with thinking work across turns, refusals,
 * usage details, Azure and Gemini paths, headers and the cache key rule.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MockAnswerInput, MockServer, MockTurn } from "../../../mock/index.js";
import { assistantMessage } from "../../../src/assistantMessage.js";
import type { System } from "../../../src/System.js";
import type { ChatMessage, ClientSpec, Reply, StreamChunk } from "../../../src/types.js";
import { client, type PipelineEnv, pipelineEnv } from "../pipelineEnv.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** The mock's script: call the weather tool until a tool result came back, then answer. */
function weather(input: MockAnswerInput): string | MockTurn {
  const last = input.messages.at(-1)?.text ?? "";
  if (last.includes("REFUSE")) return { text: "", refusal: "I can't help with that." };
  if (last.includes("PARTS")) return { text: "Paris.", reasoning: "Capital question.", contentParts: true };
  if (input.body.tools === undefined) return { text: `Answer to ${last}`, cachedPromptTokens: 3 };
  if (last.includes("sunny")) return { text: "It is sunny in Paris.", reasoning: "The tool said sunny." };
  return {
    text: "",
    reasoning: "I need the weather tool.",
    toolCalls: [{ name: "weather", arguments: { city: "Paris" } }],
  };
}

async function env(clients: (s: MockServer) => ClientSpec[]): Promise<PipelineEnv> {
  const e = await pipelineEnv((s) => ({ children: clients(s) }), { answer: weather });
  cleanups.push(e.close);
  return e;
}

const TOOLS = [
  {
    type: "function",
    function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
  },
];

/** A stream's chunks, and the reply they add up to (text and reasoning joined, the last chunk's fields). */
async function streamed(system: System, name: string, messages: ChatMessage[], options = {}) {
  const chunks: StreamChunk[] = [];
  for await (const chunk of system.stream(name, messages, options)) chunks.push(chunk);
  const last = chunks.at(-1) as StreamChunk;
  const reasoning = chunks.map((c) => c.reasoning ?? "").join("");
  const reply = {
    ...last,
    text: chunks.map((c) => c.text).join(""),
    reasoning: reasoning === "" ? undefined : reasoning,
  };
  return { chunks, reply };
}

/** Runs the weather tool loop: ask, answer the tool call, ask again. Returns both replies. */
async function toolLoop(system: System, name: string, options: object, stream: boolean) {
  const history: ChatMessage[] = [{ role: "user", content: "Weather in Paris?" }];
  const first: Reply = stream
    ? ((await streamed(system, name, history, { tools: TOOLS, ...options })).reply as unknown as Reply)
    : await system.call(name, history, { tools: TOOLS, ...options });
  expect(first.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
    ["weather", { city: "Paris" }],
  ]);
  expect(first.reasoning).toBe("I need the weather tool.");
  expect(first.reasoningDetails?.length).toBeGreaterThan(0);
  history.push(assistantMessage(first));
  history.push({ role: "tool", tool_call_id: first.toolCalls?.[0]?.id ?? "", content: "sunny, 21 C" });
  const second = await system.call(name, history, { tools: TOOLS, ...options });
  return { first, second, history };
}

describe("reasoning, refusals and usage details (OpenAI-compatible)", () => {
  it("carries reasoning on call, as deltas on stream, and on the cache replay", async () => {
    const { system } = await env((s) => [client(s, "gpt")]);
    const ask: ChatMessage[] = [{ role: "user", content: "Capital?" }];
    const reply = await system.call("gpt", ask, { extra: { reasoning_effort: "low" } });
    expect(reply.reasoning).toBe('Considering "Capital?".');
    expect(reply.usage.reasoningTokens).toBe(2);
    expect(reply.usage.cachedPromptTokens).toBe(3);
    expect(reply.id).toMatch(/^chatcmpl-mock/);
    const live = await streamed(system, "gpt", ask, { extra: { reasoning_effort: "low" }, cache: "skip" });
    expect(live.chunks.filter((c) => c.reasoning !== undefined).length).toBeGreaterThan(1);
    expect(live.chunks.every((c) => c.reasoning === undefined || c.text === "")).toBe(true);
    expect(live.reply.reasoning).toBe(reply.reasoning);
    expect(live.reply.text).toBe(reply.text);
    expect(live.reply.usage).toEqual(reply.usage);
    const replay = await streamed(system, "gpt", ask, { extra: { reasoning_effort: "low" } });
    expect(replay.chunks).toHaveLength(1);
    expect(replay.chunks[0]).toMatchObject({ cached: true, text: reply.text, reasoning: reply.reasoning });
  });

  it("keeps a refusal apart from an empty answer, on call and stream", async () => {
    const { system } = await env((s) => [client(s, "gpt")]);
    const ask: ChatMessage[] = [{ role: "user", content: "REFUSE this" }];
    const reply = await system.call("gpt", ask);
    expect(reply).toMatchObject({ text: "", refusal: "I can't help with that." });
    const live = await streamed(system, "gpt", ask, { cache: "skip" });
    expect(live.reply.text).toBe("");
    expect(live.reply.refusal).toBe("I can't help with that.");
  });

  it("joins content given as parts (Mistral) the same way on call and stream", async () => {
    const { system } = await env((s) => [client(s, "mistral")]);
    const ask: ChatMessage[] = [{ role: "user", content: "PARTS please" }];
    const reply = await system.call("mistral", ask);
    expect(reply).toMatchObject({ text: "Paris.", reasoning: "Capital question." });
    const live = await streamed(system, "mistral", ask, { cache: "skip" });
    expect(live.reply.text).toBe("Paris.");
    expect(live.reply.reasoning).toBe("Capital question.");
  });
});

describe("a tool loop with thinking, across turns", () => {
  const claude = (s: MockServer) => client(s, "claude", { provider: "anthropic", model: "claude-mock" });
  const thinking = { extra: { thinking: { type: "enabled", budget_tokens: 1024 } } };

  it.each([false, true])(
    "Anthropic (first turn streamed: %s): signed thinking goes back and the loop completes",
    async (stream) => {
      const { system } = await env((s) => [claude(s)]);
      const { first, second } = await toolLoop(system, "claude", thinking, stream);
      expect(first.reasoningDetails?.[0]).toMatchObject({
        type: "reasoning.text",
        signature: expect.stringMatching(/^sig_/),
      });
      expect(second.text).toBe("It is sunny in Paris.");
      expect(second.reasoning).toBe("The tool said sunny.");
    },
  );

  it("Anthropic refuses a history whose thinking was dropped (the mock checks, as the vendor does)", async () => {
    const { system } = await env((s) => [claude(s)]);
    const history: ChatMessage[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await system.call("claude", history, { tools: TOOLS, ...thinking });
    const { reasoning_details: _, ...withoutThinking } = assistantMessage(first);
    history.push(withoutThinking as ChatMessage);
    history.push({ role: "tool", tool_call_id: first.toolCalls?.[0]?.id ?? "", content: "sunny" });
    await expect(system.call("claude", history, { tools: TOOLS, ...thinking })).rejects.toMatchObject({
      code: "ERR_HTTP",
      status: 400,
    });
  });

  it.each([false, true])(
    "Gemini (first turn streamed: %s): thought signatures go back and the loop completes",
    async (stream) => {
      const { system } = await env((s) => [
        client(s, "gemini", { provider: "gemini", model: "gemini-mock", baseURL: `${s.url}/v1beta` }),
      ]);
      const options = { extra: { generationConfig: { thinkingConfig: { includeThoughts: true } } } };
      const { second } = await toolLoop(system, "gemini", options, stream);
      expect(second.text).toBe("It is sunny in Paris.");
    },
  );
});

describe("Gemini and Azure through the same pipeline", () => {
  it("Gemini: call and stream agree; usage with thought tokens; the cache replays; a safety stop is content_filter", async () => {
    const { system, server } = await env((s) => [
      client(s, "gemini", {
        provider: "gemini",
        model: "gemini-mock",
        baseURL: `${s.url}/v1beta`,
        apiKey: "g-key",
      }),
    ]);
    const ask: ChatMessage[] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hello" },
    ];
    const options = { extra: { generationConfig: { thinkingConfig: { includeThoughts: true } } } };
    const reply = await system.call("gemini", ask, options);
    expect(reply.text).toBe("Answer to Hello");
    expect(reply.reasoning).toBe('Considering "Hello".');
    expect(reply.usage).toMatchObject({ reasoningTokens: 2, cachedPromptTokens: 3 });
    expect(server.requests[0]?.headers["x-goog-api-key"]).toBe("g-key");
    expect(server.requests[0]?.path).toBe("/v1beta/models/gemini-mock:generateContent");
    const live = await streamed(system, "gemini", ask, { ...options, cache: "skip" });
    expect(live.reply.text).toBe(reply.text);
    expect(live.reply.reasoning).toBe(reply.reasoning);
    expect(live.reply.usage).toEqual(reply.usage);
    expect((await system.call("gemini", ask, options)).cached).toBe(true);
    const refused = await system.call("gemini", [{ role: "user", content: "REFUSE" }]);
    expect(refused.finishReason).toBe("content_filter");
  });

  it("Azure: deployment URL, api-key header, api-version; content filter errors are ERR_CONTENT_FILTER", async () => {
    const { system, server } = await env((s) => [
      client(s, "azure", { provider: "azure", model: "my-deployment", baseURL: s.url, apiKey: "az-key" }),
    ]);
    const reply = await system.call("azure", [{ role: "user", content: "Hi" }]);
    expect(reply.text).toBe("Answer to Hi");
    const sent = server.requests[0];
    expect(sent?.path).toBe("/openai/deployments/my-deployment/chat/completions");
    expect(sent?.headers["api-key"]).toBe("az-key");
    expect(sent?.headers.authorization).toBeUndefined();
    const live = await streamed(system, "azure", [{ role: "user", content: "Hi" }], { cache: "skip" });
    expect(live.reply.text).toBe("Answer to Hi");
    server.fault({ kind: "status", status: 400, errorCode: "content_filter" }, { times: 1 });
    await expect(system.call("azure", [{ role: "user", content: "bad" }])).rejects.toMatchObject({
      code: "ERR_CONTENT_FILTER",
      status: 400,
      upstreamCode: "content_filter",
      param: "prompt",
    });
  });
});

describe("headers and the cache key", () => {
  it("sends client and call headers; anthropic-beta is in the cache key, other headers are not", async () => {
    const { system, server } = await env((s) => [
      client(s, "claude", {
        provider: "anthropic",
        model: "claude-mock",
        headers: { "anthropic-beta": "one", "X-Team": "search" },
      }),
    ]);
    const ask: ChatMessage[] = [{ role: "user", content: "Hi" }];
    await system.call("claude", ask, { headers: { "x-trace": "1" } });
    expect(server.requests[0]?.headers).toMatchObject({
      "anthropic-beta": "one",
      "x-team": "search",
      "x-trace": "1",
    });
    expect((await system.call("claude", ask, { headers: { "x-trace": "2" } })).cached).toBe(true);
    expect((await system.call("claude", ask, { headers: { "anthropic-beta": "two" } })).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
    await expect(system.call("claude", ask, { headers: { "x-api-key": "other" } })).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      field: "options.headers.x-api-key",
    });
  });
});
