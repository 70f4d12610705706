import OpenAI, { type APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { chat, json, post, sseEvents } from "./http.js";
import { isErrorResponse, isRequest, isResponse, isStreamChunk } from "./openaiSchema.js";

const KEY = "sk-mock-secret";
let server: MockServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockServer({ apiKey: KEY });
  client = new OpenAI({ apiKey: KEY, baseURL: server.baseURL, maxRetries: 0 });
});
afterAll(() => server.close());

const auth = { authorization: `Bearer ${KEY}` };

function expectValid(check: ((data: unknown) => boolean) & { errorsText(): string }, data: unknown): void {
  if (!check(data)) throw new Error(`schema violation: ${check.errorsText()}\n${JSON.stringify(data)}`);
}

describe("OpenAI chat completions (raw wire)", () => {
  it("uses schema validators that do reject wrong shapes", () => {
    expect(isResponse({ id: "x", object: "chat.completion", choices: [] })).toBe(false);
    expect(
      isStreamChunk({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{}] }),
    ).toBe(false);
    expect(isErrorResponse({ error: { message: "m" } })).toBe(false);
  });

  it("answers in the vendor's response format, with rate-limit headers", async () => {
    const response = await post(server, "/v1/chat/completions", chat("Capital of France?"), auth);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-request-id")).toMatch(/^req_mock\d+$/);
    for (const kind of ["limit", "remaining", "reset"]) {
      expect(response.headers.get(`x-ratelimit-${kind}-requests`)).toBeTruthy();
      expect(response.headers.get(`x-ratelimit-${kind}-tokens`)).toBeTruthy();
    }
    const body = await json(response);
    expectValid(isResponse, body);
    expect(body.model).toBe("gpt-mock");
    expect(body.choices[0].message.content).toMatch(/^Mock answer [0-9a-f]{8} to "Capital of France\?"$/);
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });
  });

  it("is deterministic per conversation and differs between conversations", async () => {
    const text = async (body: unknown) =>
      (await json(await post(server, "/v1/chat/completions", body, auth))).choices[0].message.content;
    const a1 = await text(chat("one"));
    expect(await text(chat("one"))).toBe(a1);
    expect(await text(chat("two"))).not.toBe(a1);
    const withSystem = {
      model: "gpt-mock",
      messages: [
        { role: "system", content: "terse" },
        { role: "user", content: "one" },
      ],
    };
    expect(await text(withSystem)).not.toBe(a1);
  });

  it("cuts the answer to max_tokens words with finish_reason length", async () => {
    for (const field of ["max_tokens", "max_completion_tokens"]) {
      const response = await post(server, "/v1/chat/completions", chat("hello there", { [field]: 2 }), auth);
      const body = await json(response);
      expectValid(isResponse, body);
      expect(body.choices[0].message.content).toMatch(/^Mock answer$/);
      expect(body.choices[0].finish_reason).toBe("length");
      expect(body.usage.completion_tokens).toBe(2);
    }
  });

  it("streams chunks that each match the schema and join to the non-streaming text", async () => {
    const plain = await json(await post(server, "/v1/chat/completions", chat("stream me please"), auth));
    const body = chat("stream me please", { stream: true, stream_options: { include_usage: true } });
    const response = await post(server, "/v1/chat/completions", body, auth);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    expect(events.at(-1)?.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const chunk of chunks) expectValid(isStreamChunk, chunk);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(plain.choices[0].message.content);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage).toEqual(plain.usage);
  });

  it("groups chunkSize words per chunk", async () => {
    const wide = await startMockServer({ chunkSize: 3 });
    try {
      const response = await post(wide, "/v1/chat/completions", chat("abc", { stream: true }));
      const deltas = sseEvents(await response.text())
        .slice(0, -1)
        .map((e) => JSON.parse(e.data).choices[0]?.delta.content)
        .filter((t): t is string => typeof t === "string" && t !== "");
      expect(deltas[0]).toMatch(/^Mock answer [0-9a-f]{8} $/);
      expect(deltas).toHaveLength(2); // 5 words in chunks of 3
    } finally {
      await wide.close();
    }
  });

  it("refuses malformed requests with 400 and a vendor error body", async () => {
    const cases: [unknown, string | null][] = [
      [{ messages: [{ role: "user", content: "x" }] }, null],
      [{ model: "m" }, "messages"],
      [{ model: "m", messages: [] }, "messages"],
      [{ model: "m", messages: [{ content: "x" }] }, "messages[0].role"],
      [chat("x", { max_tokens: 0 }), "max_tokens"],
      ["{not json", null],
    ];
    for (const [body, param] of cases) {
      const response = await post(server, "/v1/chat/completions", body, auth);
      expect(response.status).toBe(400);
      const error = await json(response);
      expectValid(isErrorResponse, error);
      expect(error.error.type).toBe("invalid_request_error");
      expect(error.error.param).toBe(param);
    }
  });

  it("answers 401 without the right key, never echoing the key", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const response = await post(server, "/v1/chat/completions", chat("x"), headers);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain("wrong");
      const error = JSON.parse(text);
      expectValid(isErrorResponse, error);
      expect(error.error.code).toBe("invalid_api_key");
    }
  });

  it("answers unknown paths with 404", async () => {
    const response = await post(server, "/v1/nowhere", chat("x"), auth);
    expect(response.status).toBe(404);
    expectValid(isErrorResponse, await json(response));
  });
});

describe("OpenAI chat completions through the official SDK", () => {
  it("creates a completion and streams the same text, with usage", async () => {
    const messages = [{ role: "user" as const, content: "What is 2+2?" }];
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      temperature: 0,
    });
    const text = completion.choices[0]?.message.content;
    expect(text).toMatch(/^Mock answer [0-9a-f]{8} to "What is 2\+2\?"$/);

    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let joined = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      joined += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(joined).toBe(text);
    expect(usage).toEqual(completion.usage);
    const streamed = server.requests.at(-1);
    expect(streamed?.stream).toBe(true);
    expectValid(isRequest, streamed?.body);
  });

  it("sends request bodies that match the vendor's request schema and that the mock accepts", async () => {
    server.resetStats();
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "developer", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }] },
      ],
      max_completion_tokens: 5,
      stop: ["\n"],
      seed: 1,
    });
    const logged = server.requests.at(-1);
    expect(logged?.path).toBe("/v1/chat/completions");
    expect(logged?.provider).toBe("openai");
    expectValid(isRequest, logged?.body);
    expect(server.stats.byStatus[200]).toBe(1);
  });

  it("surfaces scripted 500 and 429 answers as SDK errors", async () => {
    server.fault({ kind: "status", status: 500 }, { times: 1 });
    const serverError = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(serverError).toBeInstanceOf(OpenAI.InternalServerError);
    expect((serverError as APIError).status).toBe(500);

    server.fault({ kind: "rate_limit", retryAfterMs: 1500 }, { times: 1 });
    const limited = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as APIError).headers?.get("retry-after-ms")).toBe("1500");
    expect((limited as APIError).code).toBe("rate_limit_exceeded");
  });
});
