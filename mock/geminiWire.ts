/**
 * The Gemini API as the mock writes it: `POST .../models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, the key in `x-goog-api-key`, `contents` with `user` /
 * `model` turns, `systemInstruction`, `generationConfig.maxOutputTokens`; answers with candidates,
 * thought parts (`thought: true`) and `thoughtSignature`s when thinking is asked for
 * (`generationConfig.thinkingConfig.includeThoughts`), function calls, `usageMetadata` with
 * `cachedContentTokenCount` and `thoughtsTokenCount`; a refusal as a `SAFETY` finish; errors shaped
 * `{"error": {code, message, status}}`.
 *
 * With thinking on, a `model` turn with a `functionCall` part must carry the signature the mock gave
 * it, as Gemini requires (`thoughtSignature`).
 */
import type { IncomingHttpHeaders } from "node:http";
import { contentText } from "./answer.js";
import { signatureOf } from "./turn.js";
import type { MockMessage } from "./types.js";
import type { ParsedChatRequest, PlannedAnswer, RequestProblem, StreamFrames, WireFormat } from "./wire.js";

type Obj = Record<string, unknown>;

const STATUS_WORD: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** The model named by a Gemini path (`.../models/gemini-2.5-flash:generateContent`). */
export function geminiPathModel(path: string): string | undefined {
  const match = /\/models\/([^/:]+):(stream)?[gG]enerateContent$/.exec(path);
  return match === null ? undefined : decodeURIComponent(match[1] as string);
}

/** True for a Gemini path. */
export function isGeminiPath(path: string): boolean {
  return geminiPathModel(path) !== undefined;
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return contentText(
    parts.map((p: Obj) => {
      if (typeof p.text === "string" && p.thought !== true) return p.text;
      if (typeof p.functionResponse === "object")
        return JSON.stringify((p.functionResponse as Obj).response ?? {});
      return "";
    }),
  );
}

/** The Gemini wire format; see the module comment. */
export class GeminiWire implements WireFormat {
  readonly provider = "gemini" as const;

  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
    return headers["x-goog-api-key"] === apiKey;
  }

  headerProblem(): RequestProblem | undefined {
    return undefined;
  }

  parse(raw: unknown, path: string): ParsedChatRequest | RequestProblem {
    const model = geminiPathModel(path);
    if (model === undefined) return { problem: "Invalid model path.", param: null };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return { problem: "Invalid JSON payload received.", param: null };
    }
    const body = raw as Obj;
    const contents = body.contents;
    if (!Array.isArray(contents) || contents.length === 0) {
      return { problem: "* GenerateContentRequest.contents: contents is not specified", param: "contents" };
    }
    const messages: MockMessage[] = [];
    const system = body.systemInstruction as Obj | undefined;
    if (system !== undefined) messages.push({ role: "system", text: partsText(system.parts) });
    const config = (body.generationConfig ?? {}) as Obj;
    const thinking = (config.thinkingConfig as Obj | undefined)?.includeThoughts === true;
    for (let i = 0; i < contents.length; i++) {
      const c = contents[i] as Obj | null;
      if (c === null || typeof c !== "object" || (c.role !== "user" && c.role !== "model")) {
        return {
          problem: `* GenerateContentRequest.contents[${i}].role: must be user or model`,
          param: null,
        };
      }
      if (!Array.isArray(c.parts)) {
        return {
          problem: `* GenerateContentRequest.contents[${i}].parts: parts is not specified`,
          param: null,
        };
      }
      if (thinking && c.role === "model") {
        for (const part of c.parts as Obj[]) {
          if (typeof part.functionCall === "object" && typeof part.thoughtSignature !== "string") {
            return {
              problem: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly (contents[${i}]).`,
              param: null,
            };
          }
        }
      }
      messages.push({ role: c.role === "model" ? "assistant" : "user", text: partsText(c.parts) });
    }
    const max = config.maxOutputTokens;
    return {
      model,
      messages,
      maxWords: typeof max === "number" ? max : undefined,
      stream: path.endsWith(":streamGenerateContent"),
      includeUsage: true,
      reasoning: thinking,
    };
  }

  #candidate(answer: PlannedAnswer, text: string, withThought: boolean, finish: boolean): Obj {
    const turn = answer.turn;
    const parts: Obj[] = [];
    if (withThought && turn?.reasoning !== undefined) parts.push({ text: turn.reasoning, thought: true });
    if (text !== "") parts.push({ text });
    if (finish && turn?.toolCalls !== undefined) {
      turn.toolCalls.forEach((call, i) => {
        const part: Obj = { functionCall: { name: call.name, args: call.arguments } };
        // Gemini signs the first function call of a turn (when it thought).
        if (i === 0 && turn.reasoning !== undefined) part.thoughtSignature = signatureOf(turn.reasoning);
        parts.push(part);
      });
    }
    const candidate: Obj = { content: { role: "model", parts }, index: 0 };
    if (finish)
      candidate.finishReason =
        turn?.refusal !== undefined ? "SAFETY" : answer.truncated ? "MAX_TOKENS" : "STOP";
    return candidate;
  }

  #usage(answer: PlannedAnswer): Obj {
    const reasoning = answer.turn?.reasoning;
    const thoughts = reasoning === undefined ? 0 : (reasoning.match(/\S+/g) ?? []).length;
    const usage: Obj = {
      promptTokenCount: answer.promptTokens,
      candidatesTokenCount: answer.completionTokens,
      totalTokenCount: answer.promptTokens + answer.completionTokens + thoughts,
    };
    if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
    const cached = answer.turn?.cachedPromptTokens;
    if (cached !== undefined) usage.cachedContentTokenCount = cached;
    return usage;
  }

  completion(answer: PlannedAnswer): string {
    const text = answer.turn?.refusal !== undefined ? "" : answer.text;
    return JSON.stringify({
      candidates: [this.#candidate(answer, text, true, true)],
      usageMetadata: this.#usage(answer),
      modelVersion: answer.model,
      responseId: answer.id,
    });
  }

  stream(answer: PlannedAnswer, pieces: readonly string[]): StreamFrames {
    const frame = (candidate: Obj, last: boolean): string => {
      const body: Obj = { candidates: [candidate], modelVersion: answer.model, responseId: answer.id };
      if (last) body.usageMetadata = this.#usage(answer);
      return `data: ${JSON.stringify(body)}\r\n\r\n`;
    };
    let preamble = "";
    if (answer.turn?.reasoning !== undefined)
      preamble = frame(this.#candidate(answer, "", true, false), false);
    const texts = answer.turn?.refusal !== undefined ? [] : pieces;
    const chunks = texts.map((piece) => frame(this.#candidate(answer, piece, false, false), false));
    const trailer = frame(this.#candidate(answer, "", false, true), true);
    return { preamble, chunks, trailer };
  }

  errorBody(status: number, message?: string): unknown {
    return {
      error: {
        code: status,
        message: message ?? `Request failed with status ${status}.`,
        status: STATUS_WORD[status] ?? "UNKNOWN",
      },
    };
  }

  rateLimitBody(): unknown {
    return this.errorBody(429, "Resource has been exhausted (e.g. check quota).");
  }

  streamError(): string {
    return `data: ${JSON.stringify(this.errorBody(503, "The model is overloaded. Please try again later."))}\r\n\r\n`;
  }

  malformed(stream: boolean): string {
    return stream ? "data: {this is not json\r\n\r\n" : '{"candidates":[';
  }

  headers(requestId: string): Record<string, string> {
    return { "x-request-id": requestId };
  }
}
