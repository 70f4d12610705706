/** Resolved client specs and wire requests for provider unit tests. */

import type { ResolvedClientSpec } from "../../../../src/ClientSpec.js";
import type { WireRequest } from "../../../../src/protocol.js";
import { clientsOf, resolveSystemSpec } from "../../../../src/SystemSpec.js";
import type { ChatMessage, GenerationParams, WireMessage } from "../../../../src/types.js";

/** A resolved client (OpenAI against a loopback URL by default). */
export function clientSpec(overrides: Record<string, unknown> = {}): ResolvedClientSpec {
  const tree = resolveSystemSpec({
    children: [
      {
        name: "c",
        provider: "openai",
        model: "m",
        apiKey: "sk-test",
        baseURL: "http://127.0.0.1:9/v1",
        ...overrides,
      } as never,
    ],
  });
  return clientsOf(tree)[0] as ResolvedClientSpec;
}

/** A wire request with `params` and (by default) one user message. */
export function request(
  params: GenerationParams,
  messages: readonly (ChatMessage | WireMessage)[] = [{ role: "user", content: "Hi" }],
): WireRequest {
  return {
    // The caller's messages as the proxy posts them once validated.
    messages: messages as WireMessage[],
    params,
    deadline: Date.now() + 60_000,
    attemptTimeoutMs: 30_000,
    maxRetries: 0,
    cache: "use",
  };
}
