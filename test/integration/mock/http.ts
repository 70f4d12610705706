/** Small raw-HTTP helpers for the mock server tests: what a client sees on the wire, with no SDK in between. */
import type { MockServer } from "../../../mock/index.js";

/** POSTs a JSON body (or a raw string) to `server.url + path`. */
export function post(
  server: MockServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

/** The `data:` payloads of an SSE body, in order (named events keep their name). */
export function sseEvents(text: string): { event: string | undefined; data: string }[] {
  const events: { event: string | undefined; data: string }[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue;
    let event: string | undefined;
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    events.push({ event, data });
  }
  return events;
}

/** Reads a streamed body until `enough(textSoFar)` holds, then returns what was read (the stream stays open). */
export async function readUntil(response: Response, enough: (text: string) => boolean): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!enough(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

/** An OpenAI chat request body. */
export function chat(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "gpt-mock", messages: [{ role: "user", content }], ...extra };
}

/** An Anthropic messages request body. */
export function message(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "claude-mock", max_tokens: 100, messages: [{ role: "user", content }], ...extra };
}

/** The headers Anthropic requires. */
export const ANTHROPIC_HEADERS = { "anthropic-version": "2023-06-01" };

/** A parsed JSON body: the tests read wire bodies by path and assert on every field they use. */
// biome-ignore lint/suspicious/noExplicitAny: wire bodies are loose JSON; each assertion checks its shape
export type WireJson = any;

/** The response body as loose JSON. */
export function json(response: Response): Promise<WireJson> {
  return response.json() as Promise<WireJson>;
}
