import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { WireRequest } from "../../../../src/protocol.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../../src/SystemSpec.js";
import type { GenerationParams, WireMessage } from "../../../../src/types.js";
import { anthropicProvider } from "../../../../workers/providers/anthropic.js";

const client = (withKey = true): ResolvedClientSpec => {
  const apiKey = withKey ? "sk-ant-test-key" : undefined;
  const root = resolveSystemSpec({
    children: [
      {
        name: "claude",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        apiKey,
        baseURL: "http://127.0.0.1:9/v1",
      },
    ],
  });
  return root.children[0] as ResolvedClientSpec;
};

const wire = (messages: WireMessage[], params: GenerationParams = {}): WireRequest => ({
  messages,
  params,
  deadline: Date.now() + 10_000,
  attemptTimeoutMs: 5_000,
  maxRetries: 0,
  cache: "use",
});

const build = (messages: WireMessage[], params: GenerationParams = {}, stream = false) => {
  const request = anthropicProvider.buildRequest(client(), wire(messages, params), stream);
  return { ...request, json: JSON.parse(request.body) as Record<string, unknown> };
};

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
};

describe("anthropic request", () => {
  it("posts to {baseURL}/messages with the version header and x-api-key only when a key is set", () => {
    const r = build([{ role: "user", content: "Hi" }]);
    expect(r.url).toBe("http://127.0.0.1:9/v1/messages");
    expect(r.headers).toMatchObject({
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-test-key",
    });
    expect(r.headers.authorization).toBeUndefined();
    const keyless = anthropicProvider.buildRequest(
      client(false),
      wire([{ role: "user", content: "Hi" }]),
      false,
    );
    expect(keyless.headers["x-api-key"]).toBeUndefined();
    expect(keyless.body).not.toContain("sk-ant");
  });

  it("lifts system and developer messages into the top-level system text", () => {
    const r = build([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Capital of France?" },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
    ]);
    expect(r.json.system).toBe("Be brief.\n\nAnswer in French.");
    expect(r.json.messages).toEqual([{ role: "user", content: "Capital of France?" }]);
  });

  it("defaults max_tokens to the client's defaultMaxTokens and maps parameters", () => {
    expect(build([{ role: "user", content: "x" }]).json.max_tokens).toBe(4096);
    const r = build([{ role: "user", content: "x" }], {
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: "END",
      seed: 1,
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
      extra: { metadata: { user_id: "u1" }, temperature: 0.3 },
    });
    expect(r.json).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "x" }],
      temperature: 0.3, // extra is merged last
      top_p: 0.9,
      stop_sequences: ["END"],
      metadata: { user_id: "u1" },
    });
    expect(build([{ role: "user", content: "x" }], { stop: ["a", "b"] }).json.stop_sequences).toEqual([
      "a",
      "b",
    ]);
  });

  it("asks for a stream only when streaming, whatever extra says", () => {
    const streamed = build([{ role: "user", content: "x" }], {}, true);
    expect(streamed.json.stream).toBe(true);
    expect(streamed.headers.accept).toBe("text/event-stream");
    expect(build([{ role: "user", content: "x" }], { extra: { stream: true } }).json.stream).toBeUndefined();
  });

  it("maps content parts, tool calls and tool results", () => {
    const r = build([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture, and the weather?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
          { id: "call_2", type: "function", function: { name: "time", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
      { role: "tool", tool_call_id: "call_2", content: "noon" },
      { role: "user", content: "Thanks" },
    ]);
    expect(r.json.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture, and the weather?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "time", input: {} },
        ],
      },
      {
        // The results answering one turn, and the user's next words, in one user message.
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18°C" },
          { type: "tool_result", tool_use_id: "call_2", content: "noon" },
          { type: "text", text: "Thanks" },
        ],
      },
    ]);
  });

  it("translates OpenAI function tools and tool choice; passes Anthropic tools through", () => {
    const anthropicTool = { name: "native", input_schema: { type: "object" } };
    const r = build([{ role: "user", content: "x" }], {
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            description: "Weather",
            parameters: { type: "object", properties: {} },
          },
        },
        anthropicTool,
      ],
      toolChoice: { type: "function", function: { name: "weather" } },
    });
    expect(r.json.tools).toEqual([
      { name: "weather", description: "Weather", input_schema: { type: "object", properties: {} } },
      anthropicTool,
    ]);
    expect(r.json.tool_choice).toEqual({ type: "tool", name: "weather" });
    expect(build([{ role: "user", content: "x" }], { toolChoice: "required" }).json.tool_choice).toEqual({
      type: "any",
    });
  });

  it("throws ERR_INVALID_ARGUMENT naming the field it cannot map", () => {
    const cases: [WireMessage[], string][] = [
      [[{ role: "system", content: "only a system message" }], "messages"],
      [
        [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }],
        "messages[0].content[0].type",
      ],
      [[{ role: "user", content: null }], "messages[0].content"],
      [[{ role: "tool", content: "r" }], "messages[0].tool_call_id"],
      [
        [
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{not json" } }],
          },
        ],
        "messages[0].tool_calls[0].function.arguments",
      ],
    ];
    for (const [messages, field] of cases) {
      const error = thrown(() => anthropicProvider.buildRequest(client(), wire(messages), false));
      expect(isDspexError(error, "ERR_INVALID_ARGUMENT"), field).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
    }
  });
});

describe("anthropic reply", () => {
  const message = (extra: object) => ({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [{ type: "text", text: "Paris." }],
    stop_reason: "end_turn",
    usage: { input_tokens: 12, output_tokens: 3 },
    ...extra,
  });

  it("joins text blocks and maps usage", () => {
    const reply = anthropicProvider.parseReply(
      message({
        content: [
          { type: "thinking", thinking: "hmm" },
          { type: "text", text: "Par" },
          { type: "text", text: "is." },
        ],
      }),
    );
    expect(reply).toEqual({
      text: "Paris.",
      cached: false,
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
      finishReason: "stop",
      model: "claude-sonnet-4-5-20250929",
      id: "msg_1",
      reasoning: "hmm",
      reasoningDetails: [{ type: "reasoning.text", text: "hmm", format: "anthropic-claude-v1", index: 0 }],
    });
  });

  it("maps tool_use blocks to tool calls and stop reasons to OpenAI's words", () => {
    const reply = anthropicProvider.parseReply(
      message({
        content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } }],
        stop_reason: "tool_use",
      }),
    );
    expect(reply.toolCalls).toEqual([{ id: "toolu_1", name: "weather", arguments: '{"city":"Paris"}' }]);
    expect(reply.finishReason).toBe("tool_calls");
    const reasons = ["end_turn", "stop_sequence", "max_tokens", "refusal", "pause_turn"];
    expect(
      reasons.map((r) => anthropicProvider.parseReply(message({ stop_reason: r })).finishReason),
    ).toEqual(["stop", "stop", "length", "content_filter", "pause_turn"]);
  });

  it("throws ERR_BAD_RESPONSE for another shape", () => {
    const bads = [
      null,
      "text",
      { choices: [] },
      message({ content: "Paris." }),
      message({ content: [{ type: "text" }] }),
      message({ content: [{ type: "tool_use", input: {} }] }),
      { type: "error", error: { type: "api_error", message: "x" } },
    ];
    for (const body of bads) {
      expect(
        isDspexError(
          thrown(() => anthropicProvider.parseReply(body)),
          "ERR_BAD_RESPONSE",
        ),
      ).toBe(true);
    }
  });
});

describe("anthropic errors", () => {
  const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } });

  it("maps 429 to ERR_RATE_LIMITED with retryAfterMs and the request id", () => {
    const data = anthropicProvider.parseError(
      429,
      { "retry-after": "7", "request-id": "req_123" },
      body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    );
    expect(data).toMatchObject({
      code: "ERR_RATE_LIMITED",
      status: 429,
      retryAfterMs: 7_000,
      upstreamCode: "rate_limit_error",
      requestId: "req_123",
    });
    expect(data.message).toContain("per-minute rate limit");
  });

  it("maps 529 overloaded to ERR_HTTP with status 529", () => {
    const data = anthropicProvider.parseError(529, {}, body("overloaded_error", "Overloaded"));
    expect(data).toMatchObject({ code: "ERR_HTTP", status: 529, upstreamCode: "overloaded_error" });
    expect(data.message).toBe("upstream answered 529: Overloaded");
  });

  it("maps other statuses to ERR_HTTP, tolerating bodies that are not JSON", () => {
    expect(
      anthropicProvider.parseError(401, {}, body("authentication_error", "invalid x-api-key")),
    ).toMatchObject({
      code: "ERR_HTTP",
      status: 401,
      upstreamCode: "authentication_error",
    });
    const html = anthropicProvider.parseError(502, {}, "<html>Bad Gateway</html>");
    expect(html).toMatchObject({ code: "ERR_HTTP", status: 502 });
    expect(html.message).toContain("Bad Gateway");
    expect(anthropicProvider.parseError(500, {}, "").message).toBe("upstream answered 500");
  });
});
