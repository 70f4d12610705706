import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { ANTHROPIC_HEADERS, chat, json, message, post, sseEvents } from "./http.js";

const KEY = "sk-ant-mock-secret";
let server: MockServer;
let client: Anthropic;

beforeAll(async () => {
  server = await startMockServer({ apiKey: KEY });
  // The Anthropic SDK appends /v1/messages itself, so it takes the bare url, not baseURL.
  client = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());

const headers = { ...ANTHROPIC_HEADERS, "x-api-key": KEY };

describe("Anthropic messages (raw wire)", () => {
  it("answers the message shape with the same text OpenAI gives for the same conversation", async () => {
    const body = message("Capital of France?", { system: "Answer briefly." });
    const response = await post(server, "/v1/messages", body, headers);
    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^req_mock\d+$/);
    const answer = await json(response);
    expect(answer).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-mock",
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 7 },
    });
    expect(answer.id).toMatch(/^msg_/);
    expect(answer.content).toEqual([{ type: "text", text: expect.stringMatching(/^Mock answer /) }]);

    const openai = chat("Capital of France?");
    openai.messages = [
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "Capital of France?" },
    ];
    const viaOpenAi = await json(
      await post(server, "/v1/chat/completions", openai, { authorization: `Bearer ${KEY}` }),
    );
    expect(viaOpenAi.choices[0].message.content).toBe(answer.content[0].text);
  });

  it("stops at max_tokens words with stop_reason max_tokens", async () => {
    const response = await post(server, "/v1/messages", message("hi", { max_tokens: 3 }), headers);
    const answer = await json(response);
    expect(answer.stop_reason).toBe("max_tokens");
    expect(answer.usage.output_tokens).toBe(3);
    expect(answer.content[0].text.split(" ")).toHaveLength(3);
  });

  it("streams the named events in the vendor's order", async () => {
    const plain = await json(await post(server, "/v1/messages", message("order?"), headers));
    const response = await post(server, "/v1/messages", message("order?", { stream: true }), headers);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const deltas = events.filter((e) => e.event === "content_block_delta").map((e) => JSON.parse(e.data));
    expect(deltas.length).toBe(plain.usage.output_tokens);
    expect(deltas.map((d) => d.delta.text).join("")).toBe(plain.content[0].text);
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    const delta = JSON.parse(events.at(-2)?.data ?? "{}");
    expect(delta.delta.stop_reason).toBe("end_turn");
    expect(delta.usage.output_tokens).toBe(plain.usage.output_tokens);
  });

  it("refuses a missing anthropic-version header, a missing max_tokens and a missing key", async () => {
    const cases: [Record<string, unknown>, Record<string, string>, number][] = [
      [message("x"), { "x-api-key": KEY }, 400],
      [{ model: "claude-mock", messages: [{ role: "user", content: "x" }] }, headers, 400],
      [message("x"), ANTHROPIC_HEADERS, 401],
      [message("x"), { ...ANTHROPIC_HEADERS, "x-api-key": "wrong" }, 401],
    ];
    for (const [body, sent, status] of cases) {
      const response = await post(server, "/v1/messages", body, sent);
      expect(response.status).toBe(status);
      const error = await json(response);
      expect(error.type).toBe("error");
      expect(error.error.type).toBe(status === 401 ? "authentication_error" : "invalid_request_error");
      expect(typeof error.error.message).toBe("string");
    }
  });
});

describe("Anthropic messages through the official SDK", () => {
  it("creates a message and streams the same final text", async () => {
    const params = {
      model: "claude-mock-1",
      max_tokens: 64,
      system: "Be terse.",
      messages: [{ role: "user" as const, content: "Name a color." }],
    };
    const created = await client.messages.create(params);
    const block = created.content[0];
    expect(block?.type).toBe("text");
    const text = block?.type === "text" ? block.text : "";
    expect(text).toMatch(/^Mock answer [0-9a-f]{8} to "Name a color\."$/);
    expect(created.stop_reason).toBe("end_turn");

    const stream = client.messages.stream(params);
    const pieces: string[] = [];
    stream.on("text", (piece) => pieces.push(piece));
    expect(await stream.finalText()).toBe(text);
    expect(pieces.length).toBeGreaterThan(1);
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(created.usage.output_tokens);

    const logged = server.requests.at(-1);
    expect(logged).toMatchObject({
      path: "/v1/messages",
      provider: "anthropic",
      stream: true,
      model: "claude-mock-1",
    });
  });

  it("surfaces a scripted 529 as the SDK's overloaded error", async () => {
    server.fault({ kind: "status", status: 529 }, { times: 1, path: "/v1/messages" });
    const error = await client.messages
      .create({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
  });

  it("surfaces a wrong key as the SDK's authentication error", async () => {
    const wrong = new Anthropic({ apiKey: "nope", baseURL: server.url, maxRetries: 0 });
    const error = await wrong.messages
      .create({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
