import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { vendorRefusal } from "../../../mock/vendorRefusal.js";
import { WireRouter } from "../../../mock/WireRouter.js";

const router = new WireRouter(undefined);
const req = (method: string, headers: Record<string, string> = {}) =>
  ({ method, headers }) as unknown as IncomingMessage;

describe("vendorRefusal", () => {
  const check = (path: string, text: string, r: IncomingMessage, apiKey?: string) =>
    vendorRefusal(r, path, router.arrive(path, text), apiKey, router.openai)?.status;

  it("refuses in the vendor's order: path, method, key, headers, body", () => {
    expect(check("/nowhere", "{}", req("POST"))).toBe(404);
    expect(check("/v1/chat/completions", "{}", req("GET"))).toBe(405);
    expect(check("/v1/chat/completions", "{}", req("POST"), "sk-right")).toBe(401);
    expect(
      check("/v1/chat/completions", "{}", req("POST", { authorization: "Bearer sk-wrong" }), "sk-right"),
    ).toBe(401);
    expect(check("/v1/messages", "{}", req("POST"))).toBe(400); // no anthropic-version
    expect(check("/v1/chat/completions", "{oops", req("POST"))).toBe(400);
  });

  it("passes a well-formed request", () => {
    expect(
      check("/v1/chat/completions", "{}", req("POST", { authorization: "Bearer sk-right" }), "sk-right"),
    ).toBeUndefined();
    expect(check("/v1/messages", "{}", req("POST", { "anthropic-version": "2023-06-01" }))).toBeUndefined();
  });

  it("writes the 404 in the fallback's format", () => {
    const path = "/nowhere";
    const refusal = vendorRefusal(req("POST"), path, router.arrive(path, ""), undefined, router.openai);
    expect(refusal?.wire).toBe(router.openai);
    expect(JSON.stringify(refusal?.body)).toContain("unknown_url");
  });
});
