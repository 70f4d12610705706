import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../src/defaults.js";
import { resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { SystemSpec } from "../../../src/types.js";
import { client, fieldOf } from "./specHelpers.js";

describe("client specs: keys, headers and query", () => {
  it("reads the conventional variable when apiKey is absent, and refuses a vendor URL with no key", () => {
    const saved = { ...process.env };
    try {
      for (const name of Object.values(DEFAULTS.apiKeyEnv)) delete process.env[name];
      const bare = (provider: string, extra: object = {}) => ({ name: "x", provider, model: "m", ...extra });
      for (const provider of ["openai", "anthropic", "gemini"]) {
        expect(fieldOf({ children: [bare(provider)] }), provider).toBe("children[0].apiKey");
      }
      expect(fieldOf({ children: [bare("azure", { baseURL: "https://r.openai.azure.com" })] })).toBe(
        "children[0].apiKey",
      );
      // Azure has no default URL at all.
      expect(fieldOf({ children: [bare("azure", { apiKey: "k" })] })).toBe("children[0].baseURL");
      // A local or proxy URL may go keyless; so may a vendor URL whose credential is in `headers`.
      expect(fieldOf({ children: [bare("openai", { baseURL: "http://127.0.0.1:9/v1" })] })).toBeUndefined();
      expect(
        fieldOf({ children: [bare("openai", { headers: { Authorization: "Bearer x" } })] }),
      ).toBeUndefined();
      process.env.ANTHROPIC_API_KEY = "from-env";
      process.env.GEMINI_API_KEY = "";
      const tree = resolveSystemSpec({ children: [bare("anthropic") as never] });
      expect((tree.children[0] as { apiKey?: string }).apiKey).toBe("from-env");
      expect(fieldOf({ children: [bare("gemini")] })).toBe("children[0].apiKey");
    } finally {
      process.env = saved;
    }
  });

  it("validates headers and query: credential and framing headers are refused", () => {
    const withHeaders = (headers: unknown, extra: object = {}) => ({
      children: [client("a", { headers, ...extra })],
    });
    expect(fieldOf(withHeaders({ "x-api-key": "k" }))).toBe("children[0].headers.x-api-key");
    expect(fieldOf(withHeaders({ "Content-Type": "text/plain" }))).toBe("children[0].headers.Content-Type");
    expect(fieldOf(withHeaders({ "bad name": "v" }))).toBe("children[0].headers.bad name");
    expect(fieldOf(withHeaders({ "x-a": "line\nbreak" }))).toBe("children[0].headers.x-a");
    expect(fieldOf(withHeaders({ "x-a": 1 }))).toBe("children[0].headers.x-a");
    expect(fieldOf(withHeaders("x"))).toBe("children[0].headers");
    expect(fieldOf({ children: [client("a", { query: { "api-version": 1 } })] })).toBe(
      "children[0].query.api-version",
    );
    const tree = resolveSystemSpec(
      withHeaders({ "OpenAI-Organization": "org" }, { query: { "api-version": "v" } }) as SystemSpec,
    );
    expect(tree.children[0]).toMatchObject({
      headers: { "openai-organization": "org" },
      query: { "api-version": "v" },
    });
  });
});
