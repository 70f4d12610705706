/** The providers a worker can speak, by name. */
import type { ProviderName } from "../../src/types.js";
import { anthropicProvider } from "./anthropic.js";
import { azureProvider } from "./azure.js";
import type { EmbedProvider } from "./EmbedProvider.js";
import { geminiProvider } from "./gemini.js";
import { geminiEmbeddings } from "./geminiEmbeddings.js";
import { openaiProvider } from "./openai.js";
import { azureEmbeddings, openaiEmbeddings } from "./openaiEmbeddings.js";
import type { Provider } from "./Provider.js";

const PROVIDERS: Record<ProviderName, Provider> = {
  openai: openaiProvider,
  anthropic: anthropicProvider,
  azure: azureProvider,
  gemini: geminiProvider,
};

/** The provider object for `name`. */
export function providerFor(name: ProviderName): Provider {
  return PROVIDERS[name];
}

const EMBEDDINGS: Partial<Record<ProviderName, EmbedProvider>> = {
  openai: openaiEmbeddings,
  azure: azureEmbeddings,
  gemini: geminiEmbeddings,
};

/** The embeddings format of provider `name`, or `undefined` when the vendor has no embeddings API (Anthropic). */
export function embedProviderFor(name: ProviderName): EmbedProvider | undefined {
  return EMBEDDINGS[name];
}
