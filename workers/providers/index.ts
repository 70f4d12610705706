/** The providers a worker can speak, by name. */
import type { ProviderName } from "../../src/types.js";
import { anthropicProvider } from "./anthropic.js";
import { azureProvider } from "./azure.js";
import { geminiProvider } from "./gemini.js";
import { openaiProvider } from "./openai.js";
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
