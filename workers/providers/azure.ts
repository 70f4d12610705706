/**
 * Azure OpenAI: OpenAI chat completions behind a resource URL, with an `api-key` header and an
 * `api-version` query parameter.
 *
 * The URL, from the client's `baseURL`:
 * - a resource (`https://NAME.openai.azure.com`): `{baseURL}/openai/deployments/{model}/chat/completions`
 *   (the client's `model` names the deployment);
 * - a deployment (`.../openai/deployments/NAME`): `{baseURL}/chat/completions`;
 * - the v1 API (`.../openai/v1`): `{baseURL}/chat/completions`, no `api-version` needed.
 * `api-version` defaults to {@link AZURE_API_VERSION}; the client's `query` overrides it.
 *
 * Answers, streams and errors are OpenAI's, with Azure's additions read where they matter:
 * `prompt_filter_results` chunks with empty `choices` (skipped), `finish_reason: "content_filter"`,
 * and `content_filter` errors (`ERR_CONTENT_FILTER`, `upstreamCode: "content_filter"`, `param: "prompt"`).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { ErrorData } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import { baseHeaders, openaiBody, parseOpenAIReply } from "./openai.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { errorBodyFields, upstreamError } from "./upstreamError.js";

/** The GA data-plane version sent when the client's `query` names none. */
export const AZURE_API_VERSION = "2024-10-21";

/** The Azure OpenAI provider. */
export const azureProvider: Provider = {
  name: "azure",
  buildRequest: buildAzureRequest,
  parseReply: parseOpenAIReply,
  parseError: parseAzureError,
};

/** OpenAI's error mapping, with a prompt refused by Azure's content filter as `ERR_CONTENT_FILTER`. */
export function parseAzureError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  const data = upstreamError(status, headers, errorBodyFields(bodyText), "x-request-id");
  if (data.upstreamCode === "content_filter") data.code = "ERR_CONTENT_FILTER";
  return data;
}

/** Builds the chat-completions request for a deployment; see the module comment. */
export function buildAzureRequest(
  client: ResolvedClientSpec,
  request: WireRequest,
  stream: boolean,
): UpstreamRequest {
  const headers = requestHeaders(client, request, baseHeaders(stream));
  if (client.apiKey !== undefined) headers["api-key"] = client.apiKey;
  return { url: azureUrl(client), headers, body: openaiBody(client.model, request, stream) };
}

/** The request URL for a client; see the module comment. */
export function azureUrl(client: ResolvedClientSpec): string {
  const path = new URL(client.baseURL).pathname;
  if (/\/openai\/v1$/.test(path)) return requestUrl(client, "/chat/completions");
  const deployment = /\/openai\/deployments\/[^/]+$/.test(path)
    ? ""
    : `/openai/deployments/${encodeURIComponent(client.model)}`;
  return requestUrl(client, `${deployment}/chat/completions`, { "api-version": AZURE_API_VERSION });
}
