import { describe, expect, it } from "vitest";
import { WireRouter } from "../../../mock/WireRouter.js";

describe("WireRouter", () => {
  const router = new WireRouter(undefined);

  it("names each vendor's wire format by its path", () => {
    expect(router.arrive("/v1/chat/completions", "{}").wire?.provider).toBe("openai");
    expect(router.arrive("/openai/deployments/d/chat/completions", "{}").wire?.provider).toBe("azure");
    expect(router.arrive("/v1/messages", "{}").wire?.provider).toBe("anthropic");
    expect(router.arrive("/v1beta/models/g:generateContent", "{}").wire?.provider).toBe("gemini");
    expect(router.arrive("/v1/embeddings", "{}").wire?.provider).toBe("openai");
    expect(router.arrive("/openai/deployments/e/embeddings", "{}").wire?.provider).toBe("azure");
    expect(router.arrive("/v1beta/models/e:batchEmbedContents", "{}").wire?.provider).toBe("gemini");
    expect(router.arrive("/nowhere", "{}").wire).toBeUndefined();
  });

  it("reads the model and streaming from the body, or from the path where the vendor puts them", () => {
    const chat = router.arrive("/v1/chat/completions", '{"model":"gpt","stream":true}');
    expect([chat.model, chat.stream, chat.embed]).toEqual(["gpt", true, undefined]);
    const gemini = router.arrive("/v1beta/models/gem%2Dx:streamGenerateContent", '{"model":"ignored"}');
    expect([gemini.model, gemini.stream]).toEqual(["gem-x", true]);
    const azure = router.arrive("/openai/deployments/dep/embeddings", '{"model":"m","stream":true}');
    expect([azure.model, azure.stream, azure.embed?.kind]).toEqual(["dep", false, "openai"]);
  });

  it("keeps a body that is not JSON as unparseable, not charged", () => {
    const arrival = router.arrive("/v1/messages", "{not json");
    expect(arrival.unparseable).toBe(true);
    expect(arrival.body).toBeUndefined();
    expect(arrival.limitKey).toBeUndefined();
  });
});
