/**
 * Which vendor's wire format a request speaks, read from its path (and, for the model and streaming,
 * its body): OpenAI chat completions (`.../chat/completions`), Azure OpenAI
 * (`.../openai/deployments/{d}/chat/completions`), Anthropic messages (`.../messages`), Gemini
 * (`.../models/{m}:generateContent`, `:streamGenerateContent`) and their embeddings
 * (`embeddingsWire.ts`). Gemini names the model and the streaming in the path, not the body; Azure
 * embeddings name their deployment there.
 */
import { AnthropicWire } from "./anthropicWire.js";
import { AzureWire } from "./azureWire.js";
import { type EmbeddingRoute, embeddingRoute } from "./embeddingsWire.js";
import { GeminiWire, geminiPathModel, isGeminiPath } from "./geminiWire.js";
import { OpenAiWire } from "./openaiWire.js";
import { readBody } from "./requestBody.js";
import type { MockRateLimit } from "./types.js";
import type { WireFormat } from "./wire.js";

/** What the server read from a request before deciding how to answer it. */
export interface Arrival {
  /** The wire format its path names (`undefined`: no API lives there, 404). */
  wire: WireFormat | undefined;
  body: unknown;
  /** The body was present but not JSON. */
  unparseable: boolean;
  /** The model it names (body or path), for the log and fault matching. */
  model: string | undefined;
  stream: boolean;
  /** Set for an embeddings endpoint. */
  embed: EmbeddingRoute | undefined;
  /** The API key the limits charged this request to, as it arrived (`undefined`: not charged). */
  limitKey: string | undefined;
}

/** See the module comment. */
export class WireRouter {
  /** OpenAI's format: also the one of answers to requests no API takes (404, the mock's own 500). */
  readonly openai: OpenAiWire;
  readonly #anthropic = new AnthropicWire();
  readonly #azure: AzureWire;
  readonly #gemini = new GeminiWire();

  constructor(rateLimit: Partial<MockRateLimit> | undefined) {
    this.openai = new OpenAiWire(rateLimit);
    this.#azure = new AzureWire(rateLimit);
  }

  /** Changes the rate-limit headers OpenAI answers carry. */
  setRateLimit(rateLimit: Partial<MockRateLimit>): void {
    this.openai.setRateLimit(rateLimit);
  }

  /** Reads a request of `path` whose body is `text`; never throws. */
  arrive(path: string, text: string): Arrival {
    const embed = embeddingRoute(path);
    const wire =
      embed !== undefined
        ? this.#embedWire(embed.provider)
        : path.endsWith("/chat/completions")
          ? path.includes("/openai/")
            ? this.#azure
            : this.openai
          : path.endsWith("/messages")
            ? this.#anthropic
            : isGeminiPath(path)
              ? this.#gemini
              : undefined;
    const read = readBody(text);
    const model =
      embed?.kind === "gemini"
        ? embed.model
        : embed?.deployment !== undefined
          ? embed.deployment
          : wire === this.#gemini
            ? geminiPathModel(path)
            : read.model;
    const stream =
      embed === undefined && (wire === this.#gemini ? path.endsWith(":streamGenerateContent") : read.stream);
    return {
      wire,
      body: read.body,
      unparseable: read.unparseable,
      model,
      stream,
      embed,
      limitKey: undefined,
    };
  }

  #embedWire(provider: "openai" | "azure" | "gemini"): WireFormat {
    return provider === "azure" ? this.#azure : provider === "gemini" ? this.#gemini : this.openai;
  }
}
