import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { WireRequest } from "../../../../src/protocol.js";
import { MAX_MESSAGE, scrubError } from "../../../../src/redact.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../../src/SystemSpec.js";
import { openaiProvider } from "../../../../workers/providers/openai.js";
import { isErrorResponse, isRequest, isResponse } from "../../../integration/mock/openaiSchema.js";

const KEY = "sk-test-DISTINCTIVE-4f1c9";

function client(withKey = true): ResolvedClientSpec {
  const apiKey = withKey ? KEY : undefined;
  const tree = resolveSystemSpec({
    children: [
      { name: "gpt", provider: "openai", model: "gpt-4o-mini", apiKey, baseURL: "http://127.0.0.1:9/v1/" },
    ],
  });
  return tree.children[0] as ResolvedClientSpec;
}

function wire(
  params: WireRequest["params"] = {},
  messages: WireRequest["messages"] = [{ role: "user", content: "hi" }],
): WireRequest {
  return {
    messages,
    params,
    deadline: Date.now() + 1_000,
    attemptTimeoutMs: 1_000,
    maxRetries: 2,
    cache: "use",
  };
}

describe("openaiProvider.buildRequest", () => {
  it("posts to {baseURL}/chat/completions with a bearer key and a body OpenAI accepts", () => {
    const req = openaiProvider.buildRequest(client(), wire(), false);
    expect(req.url).toBe("http://127.0.0.1:9/v1/chat/completions");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(req.body);
    expect(body).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(isRequest(body), isRequest.errorsText()).toBe(true);
  });

  it("sends no authorization header without a key", () => {
    expect(openaiProvider.buildRequest(client(false), wire(), false).headers.authorization).toBeUndefined();
  });

  it("maps every generation parameter to its wire name, and the result validates", () => {
    const tools = [
      {
        type: "function",
        function: { name: "lookup", description: "find", parameters: { type: "object", properties: {} } },
      },
    ];
    const req = openaiProvider.buildRequest(
      client(),
      wire(
        {
          temperature: 0.2,
          maxTokens: 64,
          topP: 0.9,
          stop: ["\n\n"],
          seed: 7,
          presencePenalty: 0.5,
          frequencyPenalty: -0.5,
          responseFormat: { type: "json_object" },
          tools,
          toolChoice: "auto",
          extra: { user: "u-1", logit_bias: { "50256": -100 } },
        },
        [
          { role: "system", content: "be brief" },
          { role: "user", content: [{ type: "text", text: "hi" }] },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }],
          },
          { role: "tool", content: "42", tool_call_id: "c1" },
        ],
      ),
      false,
    );
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      temperature: 0.2,
      max_tokens: 64,
      top_p: 0.9,
      stop: ["\n\n"],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      response_format: { type: "json_object" },
      tools,
      tool_choice: "auto",
      user: "u-1",
      logit_bias: { "50256": -100 },
    });
    for (const camel of [
      "maxTokens",
      "topP",
      "presencePenalty",
      "frequencyPenalty",
      "responseFormat",
      "toolChoice",
      "extra",
    ]) {
      expect(body).not.toHaveProperty(camel);
    }
    expect(isRequest(body), isRequest.errorsText()).toBe(true);
  });

  it("merges extra last, but keeps the stream flag ours", () => {
    const plain = JSON.parse(
      openaiProvider.buildRequest(
        client(),
        wire({ temperature: 1, extra: { temperature: 0, stream: true } }),
        false,
      ).body,
    );
    expect(plain.temperature).toBe(0);
    expect(plain).not.toHaveProperty("stream");
    const streamed = JSON.parse(openaiProvider.buildRequest(client(), wire(), true).body);
    expect(streamed).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(isRequest(streamed), isRequest.errorsText()).toBe(true);
  });
});

describe("openaiProvider.parseReply", () => {
  const completion = {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini-2024-07-18",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Paris.", refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  };

  it("normalizes a completion (the fixture itself is a valid OpenAI answer)", () => {
    expect(isResponse(completion), isResponse.errorsText()).toBe(true);
    expect(openaiProvider.parseReply(completion)).toEqual({
      text: "Paris.",
      cached: false,
      usage: { promptTokens: 9, completionTokens: 2, totalTokens: 11 },
      finishReason: "stop",
      model: "gpt-4o-mini-2024-07-18",
      id: completion.id,
    });
  });

  it("maps tool calls, null content and missing usage", () => {
    const reply = openaiProvider.parseReply({
      ...completion,
      usage: undefined,
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } },
            ],
          },
        },
      ],
    });
    expect(reply.text).toBe("");
    expect(reply.finishReason).toBe("tool_calls");
    expect(reply.toolCalls).toEqual([{ id: "call_1", name: "lookup", arguments: '{"q":"x"}' }]);
    expect(reply.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });

  it.each([
    ["not an object", "hello"],
    ["no choices", { id: "x" }],
    ["empty choices", { choices: [] }],
    ["no message", { choices: [{ index: 0 }] }],
    ["content of the wrong type", { choices: [{ message: { content: 42 } }] }],
  ])("rejects %s with ERR_BAD_RESPONSE", (_label, body) => {
    expect(() => openaiProvider.parseReply(body)).toThrowError(
      expect.objectContaining({ code: "ERR_BAD_RESPONSE" }) as Error,
    );
    try {
      openaiProvider.parseReply(body);
    } catch (error) {
      expect(isDspexError(error, "ERR_BAD_RESPONSE")).toBe(true);
    }
  });
});

describe("openaiProvider.parseError", () => {
  const body = (message: string, type: string, code: string | null) =>
    JSON.stringify({ error: { message, type, param: null, code } });

  it("maps a 429 to ERR_RATE_LIMITED with the code, retry wait and request id", () => {
    const text = body("Rate limit reached", "requests", "rate_limit_exceeded");
    expect(isErrorResponse(JSON.parse(text))).toBe(true);
    const data = openaiProvider.parseError(429, { "retry-after-ms": "250", "x-request-id": "req_123" }, text);
    expect(data).toEqual({
      code: "ERR_RATE_LIMITED",
      message: "upstream answered 429: Rate limit reached",
      status: 429,
      upstreamCode: "rate_limit_exceeded",
      retryAfterMs: 250,
      requestId: "req_123",
    });
  });

  it("uses the type when there is no code, and ERR_HTTP for other statuses", () => {
    const data = openaiProvider.parseError(500, {}, body("boom", "server_error", null));
    expect(data).toMatchObject({ code: "ERR_HTTP", status: 500, upstreamCode: "server_error" });
    expect(data.retryAfterMs).toBeUndefined();
  });

  it("reads retry-after in seconds and as an HTTP date", () => {
    expect(openaiProvider.parseError(503, { "retry-after": "2" }, "").retryAfterMs).toBe(2_000);
    const date = new Date(Date.now() + 10_000).toUTCString();
    const ms = openaiProvider.parseError(429, { "retry-after": date }, "").retryAfterMs ?? -1;
    expect(ms).toBeGreaterThan(8_000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });

  it("copes with compatible servers' bodies and with non-JSON text", () => {
    expect(openaiProvider.parseError(400, {}, JSON.stringify({ error: "bad model" })).message).toBe(
      "upstream answered 400: bad model",
    );
    expect(openaiProvider.parseError(422, {}, JSON.stringify({ detail: "nope" })).message).toBe(
      "upstream answered 422: nope",
    );
    expect(openaiProvider.parseError(502, {}, "<html>Bad Gateway</html>").message).toBe(
      "upstream answered 502: <html>Bad Gateway</html>",
    );
    expect(openaiProvider.parseError(504, {}, "").message).toBe("upstream answered 504");
    // The message is clipped after redaction (by the transport's scrubError), never here.
    expect(openaiProvider.parseError(500, {}, "x".repeat(5_000)).message).toHaveLength(5_000 + 23);
    expect(
      scrubError(openaiProvider.parseError(500, {}, "x".repeat(5_000)), KEY).message.length,
    ).toBeLessThanOrEqual(MAX_MESSAGE + 1);
  });
});
