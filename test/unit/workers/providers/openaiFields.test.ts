import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { StreamChunk } from "../../../../src/types.js";
import { azureUrl } from "../../../../workers/providers/azure.js";
import { openaiProvider } from "../../../../workers/providers/openai.js";
import { createStreamDecoder } from "../../../../workers/providers/StreamDecoder.js";
import { SseReader } from "../../../../workers/stream/SseReader.js";
import { clientSpec, request } from "./fixtures.js";

const completion = (message: object, extra: object = {}) => ({
  id: "gen-1",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }],
  ...extra,
});

function stream(events: object[], size = 5) {
  const reader = new SseReader(createStreamDecoder("openai"));
  const body = new TextEncoder().encode(
    [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"].join(""),
  );
  const chunks: StreamChunk[] = [];
  let error: unknown;
  for (let i = 0; i < body.length; i += size) {
    const fed = reader.feed(body.subarray(i, i + size));
    chunks.push(...fed.deltas);
    error ??= fed.error;
  }
  const end = reader.end();
  chunks.push(...end.deltas);
  error ??= end.error;
  return {
    text: chunks.map((c) => c.text).join(""),
    reasoning: chunks.map((c) => c.reasoning ?? "").join(""),
    chunks,
    error,
    summary: reader.summary(),
  };
}

const chunk = (delta: object, finish: string | null = null) => ({
  id: "gen-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe("OpenAI-compatible replies", () => {
  it("joins Mistral's array content: thinking parts are reasoning, text parts the answer", () => {
    const reply = openaiProvider.parseReply(
      completion({
        content: [
          { type: "thinking", thinking: [{ type: "text", text: "Let me think." }] },
          { type: "text", text: "Par" },
          { type: "text", text: "is." },
        ],
      }),
    );
    expect(reply.text).toBe("Paris.");
    expect(reply.reasoning).toBe("Let me think.");
  });

  it("reads reasoning_content (DeepSeek), reasoning (OpenRouter) and reasoning_details", () => {
    expect(openaiProvider.parseReply(completion({ content: "4", reasoning_content: "2+2" })).reasoning).toBe(
      "2+2",
    );
    const details = [
      { type: "reasoning.text", text: "hm", signature: "sig", format: "anthropic-claude-v1", index: 0 },
    ];
    const reply = openaiProvider.parseReply(
      completion({ content: "4", reasoning: "hm", reasoning_details: details }),
    );
    expect(reply.reasoning).toBe("hm");
    expect(reply.reasoningDetails).toEqual(details);
    // Only the items: their text is the reasoning.
    expect(
      openaiProvider.parseReply(completion({ content: "4", reasoning_details: details })).reasoning,
    ).toBe("hm");
  });

  it("keeps a refusal apart from the (empty) text", () => {
    const reply = openaiProvider.parseReply(
      completion({ content: null, refusal: "I can't help with that." }),
    );
    expect(reply.text).toBe("");
    expect(reply.refusal).toBe("I can't help with that.");
  });

  it("reads usage details, the id, logprobs and several choices", () => {
    const reply = openaiProvider.parseReply({
      ...completion({ content: "a" }),
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "a" },
          finish_reason: "stop",
          logprobs: {
            content: [
              { token: "a", logprob: -0.1, bytes: [97], top_logprobs: [{ token: "a", logprob: -0.1 }] },
            ],
          },
        },
        { index: 1, message: { role: "assistant", content: "b" }, finish_reason: "length", logprobs: null },
      ],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 50,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 80 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
    expect(reply.id).toBe("gen-1");
    expect(reply.usage).toEqual({
      promptTokens: 100,
      completionTokens: 50,
      totalTokens: 150,
      cachedPromptTokens: 80,
      reasoningTokens: 30,
    });
    expect(reply.logprobs).toEqual([
      { token: "a", logprob: -0.1, bytes: [97], topLogprobs: [{ token: "a", logprob: -0.1 }] },
    ]);
    expect(reply.choices?.map((c) => [c.index, c.text, c.finishReason])).toEqual([
      [0, "a", "stop"],
      [1, "b", "length"],
    ]);
    // DeepSeek spells the cached count its own way.
    const deepseek = openaiProvider.parseReply(
      completion(
        { content: "x" },
        { usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, prompt_cache_hit_tokens: 6 } },
      ),
    );
    expect(deepseek.usage.cachedPromptTokens).toBe(6);
  });

  it("answers ERR_BAD_RESPONSE for a content shape it cannot read, never an empty text", () => {
    for (const content of [{ text: "x" }, [{ type: "mystery", value: 1 }], [{ type: "text" }], 42]) {
      let caught: unknown;
      try {
        openaiProvider.parseReply(completion({ content }));
      } catch (error) {
        caught = error;
      }
      expect(isDspexError(caught, "ERR_BAD_RESPONSE"), JSON.stringify(content)).toBe(true);
    }
    expect(() => openaiProvider.parseReply({ ...completion({ content: "x" }), choices: [] })).toThrow(
      /empty/,
    );
  });
});

describe("OpenAI-compatible streams", () => {
  it("joins Mistral's array deltas, thinking as reasoning chunks apart from text", () => {
    const r = stream([
      chunk({
        role: "assistant",
        content: [{ type: "thinking", thinking: [{ type: "text", text: "Hmm, " }] }],
      }),
      chunk({ content: [{ type: "thinking", thinking: [{ type: "text", text: "yes." }] }] }),
      chunk({ content: [{ type: "text", text: "Par" }] }),
      chunk({ content: "is." }, "stop"),
    ]);
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Paris.");
    expect(r.reasoning).toBe("Hmm, yes.");
    expect(r.summary.reasoning).toBe("Hmm, yes.");
    // Reasoning never leaks into text chunks.
    expect(r.chunks.filter((c) => c.reasoning !== undefined).every((c) => c.text === "")).toBe(true);
  });

  it("streams reasoning_content / reasoning deltas, merges reasoning_details, and keeps refusals", () => {
    const r = stream([
      chunk({ role: "assistant", reasoning_content: "a" }),
      chunk({ reasoning: "b", reasoning_details: [{ type: "reasoning.text", text: "b", index: 0 }] }),
      chunk({ reasoning_details: [{ type: "reasoning.text", text: "c", index: 0 }] }),
      chunk({ reasoning_details: [{ type: "reasoning.text", signature: "sig", index: 0 }] }),
      chunk({ refusal: "I can't" }),
      chunk({ refusal: " do that." }, "stop"),
    ]);
    expect(r.reasoning).toBe("abc");
    expect(r.summary.reasoningDetails).toEqual([
      { type: "reasoning.text", text: "bc", signature: "sig", index: 0 },
    ]);
    expect(r.summary.refusal).toBe("I can't do that.");
    expect(r.text).toBe("");
  });

  it("skips Azure's prompt_filter_results chunks and reads usage details", () => {
    const r = stream([
      {
        id: "",
        object: "",
        created: 0,
        model: "",
        choices: [],
        prompt_filter_results: [{ prompt_index: 0 }],
      },
      chunk({ content: "ok" }, "stop"),
      {
        ...chunk({}),
        choices: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 2,
          total_tokens: 12,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 1 },
        },
      },
    ]);
    expect(r.text).toBe("ok");
    expect(r.summary.id).toBe("gen-1");
    expect(r.summary.usage).toEqual({
      promptTokens: 10,
      completionTokens: 2,
      totalTokens: 12,
      cachedPromptTokens: 4,
      reasoningTokens: 1,
    });
  });

  it("keeps what an error event says: numeric codes, the nested cause, status_code", () => {
    const openrouter = stream([
      chunk({ content: "a" }),
      {
        error: {
          code: 502,
          message: "Provider returned error",
          metadata: { provider_name: "Fireworks", raw: '{"error":{"message":"model overloaded"}}' },
        },
      },
    ]);
    expect(openrouter.text).toBe("a");
    expect(openrouter.error).toMatchObject({ code: "ERR_HTTP", status: 502, upstreamCode: "502" });
    expect((openrouter.error as Error).message).toContain("Fireworks: model overloaded");
    const groq = stream([{ error: { message: "busy", type: "internal_server_error", status_code: 503 } }]);
    expect(groq.error).toMatchObject({
      code: "ERR_HTTP",
      status: 503,
      upstreamCode: "internal_server_error",
    });
    const limited = stream([{ error: { message: "slow down", code: 429 } }]);
    expect(limited.error).toMatchObject({ code: "ERR_RATE_LIMITED", status: 429 });
  });
});

describe("OpenAI-compatible error bodies", () => {
  const parse = (status: number, body: unknown, headers = {}) =>
    openaiProvider.parseError(status, headers, typeof body === "string" ? body : JSON.stringify(body));

  it("keeps status, code (string or number), param, the nested reason and the body's request id", () => {
    expect(
      parse(400, {
        error: { message: "bad", type: "invalid_request_error", param: "messages[0]", code: null },
      }),
    ).toMatchObject({
      code: "ERR_HTTP",
      status: 400,
      upstreamCode: "invalid_request_error",
      param: "messages[0]",
    });
    const openrouter = parse(400, {
      error: {
        code: 400,
        message: "Provider returned error",
        metadata: { raw: "context too long", provider_name: "X" },
      },
      user_id: "u",
    });
    expect(openrouter).toMatchObject({ status: 400, upstreamCode: "400" });
    expect(openrouter.message).toContain("Provider returned error (X: context too long)");
    expect(parse(500, { error: { message: "m" }, request_id: "req_body" }).requestId).toBe("req_body");
    expect(
      parse(500, { error: { message: "m" }, request_id: "req_body" }, { "x-request-id": "req_h" }).requestId,
    ).toBe("req_h");
    expect(parse(422, { detail: [{ msg: "field required" }] }).message).toContain("field required");
    expect(parse(502, "<html>bad gateway</html>").message).toContain("bad gateway");
  });

  it("keeps Azure's content-filter code", () => {
    const azure = parse(400, {
      error: {
        message: "The response was filtered",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: { code: "ResponsibleAIPolicyViolation" },
      },
    });
    expect(azure).toMatchObject({ status: 400, upstreamCode: "content_filter", param: "prompt" });
  });
});

describe("OpenAI-compatible requests", () => {
  it("sends n, logprobs and top_logprobs; refuses n > 1 on a stream", () => {
    const r = openaiProvider.buildRequest(
      clientSpec(),
      request({ n: 2, logprobs: true, topLogprobs: 3 }),
      false,
    );
    expect(JSON.parse(r.body)).toMatchObject({ n: 2, logprobs: true, top_logprobs: 3 });
    expect(() => openaiProvider.buildRequest(clientSpec(), request({ n: 2 }), true)).toThrow(/one choice/);
  });

  it("merges client and call headers (the call's win), adds the client's query, and keeps the key header", () => {
    const client = clientSpec({
      headers: { "openai-organization": "org", "x-trace": "client" },
      query: { a: "1" },
    });
    const r = openaiProvider.buildRequest(client, { ...request({}), headers: { "x-trace": "call" } }, false);
    expect(r.url).toBe("http://127.0.0.1:9/v1/chat/completions?a=1");
    expect(r.headers).toMatchObject({
      "openai-organization": "org",
      "x-trace": "call",
      authorization: "Bearer sk-test",
      "content-type": "application/json",
    });
  });

  it("builds Azure's deployment, resource and v1 URLs with api-version", () => {
    expect(
      azureUrl(clientSpec({ provider: "azure", baseURL: "https://r.openai.azure.com", model: "dep" })),
    ).toBe("https://r.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-10-21");
    expect(
      azureUrl(
        clientSpec({
          provider: "azure",
          baseURL: "https://r.openai.azure.com/openai/deployments/d2",
          query: { "api-version": "2025-04-01-preview" },
        }),
      ),
    ).toBe(
      "https://r.openai.azure.com/openai/deployments/d2/chat/completions?api-version=2025-04-01-preview",
    );
    expect(azureUrl(clientSpec({ provider: "azure", baseURL: "https://r.openai.azure.com/openai/v1" }))).toBe(
      "https://r.openai.azure.com/openai/v1/chat/completions",
    );
  });
});
