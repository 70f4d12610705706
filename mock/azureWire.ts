/**
 * Azure OpenAI as the mock writes it: OpenAI chat completions under
 * `/openai/deployments/{deployment}/chat/completions?api-version=...` (or `/openai/v1/...`), the key
 * in an `api-key` header, and Azure's content-filter annotations: `prompt_filter_results` on answers,
 * `content_filter_results` on choices, and a first stream chunk with empty `choices` that carries only
 * the prompt's filter results.
 */
import type { IncomingHttpHeaders } from "node:http";
import { OpenAiWire } from "./openaiWire.js";
import type { PlannedAnswer, StreamFrames } from "./wire.js";

const SAFE = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};

/** The Azure wire format; see the module comment. */
export class AzureWire extends OpenAiWire {
  override readonly provider = "azure" as const;

  override authorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
    return headers["api-key"] === apiKey || headers.authorization === `Bearer ${apiKey}`;
  }

  override completion(answer: PlannedAnswer): string {
    const body = JSON.parse(super.completion(answer)) as {
      choices: Record<string, unknown>[];
      prompt_filter_results?: unknown;
    };
    body.prompt_filter_results = [{ prompt_index: 0, content_filter_results: SAFE }];
    for (const choice of body.choices) choice.content_filter_results = SAFE;
    return JSON.stringify(body);
  }

  override stream(answer: PlannedAnswer, pieces: readonly string[], includeUsage: boolean): StreamFrames {
    const frames = super.stream(answer, pieces, includeUsage);
    const filter = {
      choices: [],
      created: 0,
      id: "",
      model: "",
      object: "",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: SAFE }],
    };
    return { ...frames, preamble: `data: ${JSON.stringify(filter)}\n\n${frames.preamble}` };
  }

  override errorBody(
    status: number,
    message?: string,
    errorCode?: string,
    param: string | null = null,
  ): unknown {
    if (errorCode === "content_filter") {
      return {
        error: {
          message:
            message ??
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: "prompt",
          code: "content_filter",
          status,
          innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: SAFE },
        },
      };
    }
    return super.errorBody(status, message, errorCode, param);
  }
}
