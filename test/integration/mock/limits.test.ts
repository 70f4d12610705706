import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { ANTHROPIC_HEADERS, chat, json, message, post } from "./http.js";

let server: MockServer;

beforeAll(async () => {
  server = await startMockServer();
});
afterEach(() => {
  server.setLimits({});
  server.clearOutages();
  server.resetStats();
});
afterAll(() => server.close());

const COMPLETIONS = "/v1/chat/completions";
const MESSAGES = "/v1/messages";

describe("per-key limits", () => {
  it("counts each key apart, sends the state in OpenAI headers, and answers 429 with retry-after", async () => {
    server.setLimits({ rpm: 2, windowMs: 60_000 });
    const first = await post(server, COMPLETIONS, chat("a"), { authorization: "Bearer one" });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?s$/);
    await json(first);
    expect((await post(server, COMPLETIONS, chat("b"), { authorization: "Bearer one" })).status).toBe(200);
    const refused = await post(server, COMPLETIONS, chat("c"), { authorization: "Bearer one" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(29);
    expect(Number(refused.headers.get("retry-after-ms"))).toBeGreaterThan(29_000);
    expect((await json(refused)).error.type).toBe("requests");
    // Another key has its own budget.
    expect((await post(server, COMPLETIONS, chat("d"), { authorization: "Bearer two" })).status).toBe(200);
  });

  it("charges the answer's total tokens and sends Anthropic's headers", async () => {
    server.setLimits({ tpm: 1_000 });
    const response = await post(server, MESSAGES, message("one two three"), {
      ...ANTHROPIC_HEADERS,
      "x-api-key": "k",
    });
    const body = await json(response);
    const spent = body.usage.input_tokens + body.usage.output_tokens;
    expect(response.headers.get("anthropic-ratelimit-tokens-limit")).toBe("1000");
    expect(response.headers.get("anthropic-ratelimit-tokens-remaining")).toBe(String(1_000 - spent));
    expect(Date.parse(response.headers.get("anthropic-ratelimit-tokens-reset") ?? "")).toBeGreaterThan(
      Date.now() - 1_000,
    );
  });

  it("charges a request when it arrives and refuses the one that does not fit at once, before the latency", async () => {
    server.setLimits({ rpm: 2, windowMs: 60_000 });
    server.setLatency(300);
    try {
      const order: string[] = [];
      const send = (name: string) =>
        post(server, COMPLETIONS, chat(name), { authorization: "Bearer arrival" }).then((response) => {
          order.push(`${name} ${response.status}`);
          return response;
        });
      const first = send("first");
      await server.waitFor((s) => s.requests === 1);
      const second = send("second");
      await server.waitFor((s) => s.requests === 2);
      const third = await send("third");
      // The third arrived while the other two were still being answered: both were counted already.
      expect(order).toEqual(["third 429"]);
      expect(third.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      await json(third);
      const answered = await first;
      // The first's answer counts the second, which arrived before it was written.
      expect(answered.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      await json(answered);
      await json(await second);
      expect(order).toEqual(["third 429", "first 200", "second 200"]);
    } finally {
      server.setLatency(0);
    }
  });

  it("puts the headers on a stream's answer too", async () => {
    server.setLimits({ rpm: 5 });
    const response = await post(server, COMPLETIONS, chat("s", { stream: true }));
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    await response.text();
  });
});

describe("outages", () => {
  it("answers 503 while down and 529 while overloaded, for the model named, until the time is up", async () => {
    server.outage({ kind: "down", forMs: 60_000, model: "gpt-mock" });
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(503);
    expect((await post(server, COMPLETIONS, chat("x", { model: "other" }))).status).toBe(200);
    server.clearOutages();
    server.outage({ kind: "overloaded", forMs: 60_000, path: MESSAGES });
    const overloaded = await post(server, MESSAGES, message("x"), ANTHROPIC_HEADERS);
    expect(overloaded.status).toBe(529);
    expect((await json(overloaded)).error.type).toBe("overloaded_error");
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(200);
    server.clearOutages();
    server.outage({ kind: "down", forMs: 0 });
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(200);
  });
});
