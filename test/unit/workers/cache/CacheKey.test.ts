import { beforeAll, describe, expect, it } from "vitest";
import type { GenerationParams, WireMessage } from "../../../../src/types.js";
import {
  type CacheKeyer,
  type CacheKeyInput,
  canonicalKeyText,
  createCacheKeyer,
  KEY_PREFIX,
} from "../../../../workers/cache/CacheKey.js";

let key: CacheKeyer;
beforeAll(async () => {
  key = await createCacheKeyer();
});

const base = (): CacheKeyInput => ({
  provider: "openai",
  baseURL: "https://api.openai.com/v1",
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Capital of France?" }] },
  ],
  params: { temperature: 0, maxTokens: 64 },
});

describe("cache keys", () => {
  it("is the readable prefix and 16 hex digits of XXH64", () => {
    expect(key(base())).toMatch(/^dspex:v1:[0-9a-f]{16}$/);
    expect(KEY_PREFIX).toBe("dspex:v1:");
  });

  it("is stable for equal inputs built separately", () => {
    expect(key(base())).toBe(key(base()));
  });

  it("ignores key order at every depth", () => {
    const reordered: CacheKeyInput = {
      params: { maxTokens: 64, temperature: 0 },
      messages: [
        { content: "Be brief.", role: "system" },
        { content: [{ text: "Capital of France?", type: "text" }], role: "user" },
      ],
      model: "gpt-4o-mini",
      baseURL: "https://api.openai.com/v1",
      provider: "openai",
    };
    expect(key(reordered)).toBe(key(base()));
    const nestedA = {
      ...base(),
      params: { extra: { metadata: { a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } } } },
    };
    const nestedB = {
      ...base(),
      params: { extra: { metadata: { b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 } } },
    };
    expect(key(nestedA)).toBe(key(nestedB));
  });

  it("keeps array order (message order changes the answer)", () => {
    const swapped = base();
    swapped.messages.reverse();
    expect(key(swapped)).not.toBe(key(base()));
  });

  it("separates endpoints, providers and models", () => {
    const k = key(base());
    expect(key({ ...base(), baseURL: "http://127.0.0.1:8080/v1" })).not.toBe(k);
    expect(key({ ...base(), provider: "anthropic" })).not.toBe(k);
    expect(key({ ...base(), model: "gpt-4o" })).not.toBe(k);
  });

  it("changes with the messages: content, role and extra fields", () => {
    const k = key(base());
    const edit = (f: (m: WireMessage[]) => void) => {
      const input = base();
      f(input.messages);
      return key(input);
    };
    expect(edit((m) => (m[0] = { role: "system", content: "Be brief!" }))).not.toBe(k);
    expect(edit((m) => (m[0] = { role: "developer", content: "Be brief." }))).not.toBe(k);
    expect(edit((m) => (m[1] = { ...(m[1] as WireMessage), name: "alice" }))).not.toBe(k);
  });

  it("changes with every generation parameter", () => {
    const values: Required<GenerationParams> = {
      temperature: 0.5,
      maxTokens: 65,
      topP: 0.9,
      stop: ["END"],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseFormat: { type: "json_object" },
      tools: [{ type: "function", function: { name: "f" } }],
      toolChoice: "auto",
      n: 3,
      logprobs: true,
      topLogprobs: 2,
      extra: { service_tier: "flex" },
    };
    const seen = new Set([key(base())]);
    for (const [field, value] of Object.entries(values)) {
      const k = key({ ...base(), params: { ...base().params, [field]: value } });
      expect(seen.has(k), field).toBe(false);
      seen.add(k);
    }
    expect(seen.size).toBe(Object.keys(values).length + 1);
  });

  it("treats undefined-valued fields as absent, at any depth", () => {
    const k = key(base());
    const withUndefined = {
      ...base(),
      params: { temperature: 0, maxTokens: 64, seed: undefined, stop: undefined, extra: undefined },
    };
    expect(key(withUndefined)).toBe(k);
    const a = { ...base(), params: { extra: { x: 1, y: undefined } } } as unknown as CacheKeyInput;
    const b = { ...base(), params: { extra: { x: 1 } } } as CacheKeyInput;
    expect(key(a)).toBe(key(b));
  });

  it("hashes only the five inputs: extra properties of the input object never reach the key", () => {
    const input = { ...base(), apiKey: "sk-secret-123456", signal: new AbortController().signal };
    expect(key(input)).toBe(key(base()));
    expect(canonicalKeyText(input)).not.toContain("sk-secret");
  });

  it("escapes strings exactly as JSON", () => {
    const tricky = 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800 ';
    const input = { ...base(), messages: [{ role: "user" as const, content: tricky }] };
    const text = canonicalKeyText(input);
    expect(JSON.parse(text).messages[0].content).toBe(tricky);
    expect(text).toContain(JSON.stringify(tricky));
  });

  it("throws on a cycle instead of keying it as a placeholder", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const input = { ...base(), params: { extra: cyclic } } as unknown as CacheKeyInput;
    expect(() => key(input)).toThrow(TypeError);
  });
});
