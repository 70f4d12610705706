/**
 * The parts of an upstream request every provider builds the same way: the URL with the client's
 * `query`, and the headers with the client's and the call's `headers` merged over the provider's own
 * (the call's win over the client's). The credential header is set by the provider after this merge,
 * and the spec and call validation refuse user headers that name it, so it is never overridden by
 * accident (see `src/headers.ts`).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { invalidArgument } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, WireMessage } from "../../src/types.js";

/** `${baseURL}${path}` with the client's query parameters (and `extra`, for Azure's default version). */
export function requestUrl(
  client: ResolvedClientSpec,
  path: string,
  defaults?: Record<string, string>,
): string {
  const url = `${client.baseURL}${path}`;
  const query = client.query;
  if (query === undefined && defaults === undefined) return url;
  const params = new URLSearchParams(defaults);
  if (query !== undefined) for (const [name, value] of Object.entries(query)) params.set(name, value);
  const search = params.toString();
  if (search === "") return url;
  return `${url}${url.includes("?") ? "&" : "?"}${search}`;
}

/** The provider's `base` headers with the client's and then the call's merged over them. */
export function requestHeaders(
  client: ResolvedClientSpec,
  request: Pick<WireRequest, "headers">,
  base: Record<string, string>,
): Record<string, string> {
  const fromClient = client.headers;
  const fromCall = request.headers;
  if (fromClient === undefined && fromCall === undefined) return base;
  if (fromClient !== undefined)
    for (const name in fromClient) base[name.toLowerCase()] = fromClient[name] as string;
  if (fromCall !== undefined)
    for (const name in fromCall) base[name.toLowerCase()] = fromCall[name] as string;
  return base;
}

/**
 * The text of a system (or developer) message, for the providers that take it apart from the turns
 * (Anthropic's `system`, Gemini's `systemInstruction`): a string, or text parts joined with a blank line.
 */
export function systemText(content: WireMessage["content"], path: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidArgument(path, "must be text or text parts");
  return content
    .map((part, j) => {
      const record =
        typeof part === "object" && part !== null && !Array.isArray(part)
          ? (part as { [key: string]: Json })
          : undefined;
      const text = record?.type === "text" ? record.text : undefined;
      if (typeof text !== "string") {
        throw invalidArgument(`${path}[${j}]`, 'must be a text part ({ type: "text", text })');
      }
      return text;
    })
    .join("\n\n");
}
