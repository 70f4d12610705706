/**
 * Validators for OpenAI's chat completions wire format, built from the vendor's own schemas
 * (test/schemas/chat-completions.schema.json), as test/schemas/README.md describes.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

type Validate = (data: unknown) => boolean;

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const doc = JSON.parse(
  readFileSync(new URL("../../schemas/chat-completions.schema.json", import.meta.url), "utf8"),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat("unixtime", true);
ajv.addSchema({ $id: "openai", components: doc.components });

function validator(root: string): Validate & { errorsText(): string } {
  const validate = ajv.getSchema(`openai#/components/schemas/${root}`);
  if (validate === undefined) throw new Error(`schema root ${root} not found`);
  const check = (data: unknown): boolean => validate(data) as boolean;
  return Object.assign(check, { errorsText: () => ajv.errorsText(validate.errors) });
}

/** `POST /v1/chat/completions` request body. */
export const isRequest = validator("CreateChatCompletionRequest");
/** Non-streaming answer. */
export const isResponse = validator("CreateChatCompletionResponse");
/** One streamed chunk. */
export const isStreamChunk = validator("CreateChatCompletionStreamResponse");
/** Error body. */
export const isErrorResponse = validator("ErrorResponse");
