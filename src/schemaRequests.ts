/**
 * The `schema` option of `call` and `stream` as the system admits it: the options are checked (no
 * `responseFormat` beside `schema`, no `jsonSchema` without it), the messages taken at once as the
 * caller is promised, and the request sent with the schema's response format: a call's answer is
 * validated by src/StructuredOutput.ts, a stream's by src/StructuredStream.ts.
 */
import type { CallerStack } from "./CallerStack.js";
import type { CallOptions, SchemaOptions, StreamOptions } from "./callOptions.js";
import type { DspexError } from "./errors.js";
import { invalidArgument } from "./errors.js";
import type { ChatMessage } from "./messages.js";
import { ReplyStream } from "./ReplyStream.js";
import type { ParsedReply, Reply } from "./replyTypes.js";
import { structuredOutput } from "./StructuredOutput.js";
import { openStructuredStream } from "./StructuredStream.js";
import { takeMessages } from "./validate.js";

/** Throws when the options set what `schema` sets, or `jsonSchema` alone. */
function checkSchemaOptions<S>(schema: S | undefined, responseFormat: unknown): asserts schema is S {
  if (schema === undefined) throw invalidArgument("options.jsonSchema", "is only read with `schema`");
  if (responseFormat !== undefined) {
    throw invalidArgument("options.responseFormat", "cannot be set with `schema` (the schema sets it)");
  }
}

/** `call` with structured output: the schema's JSON Schema goes out, the answer is validated here. */
export async function callWithSchema<Name>(
  call: (name: Name, messages: readonly ChatMessage[], options: CallOptions) => Promise<Reply>,
  name: Name,
  messages: unknown,
  options: CallOptions & Partial<SchemaOptions>,
): Promise<ParsedReply<unknown>> {
  const { schema, jsonSchema, ...rest } = options;
  checkSchemaOptions(schema, rest.responseFormat);
  // Taken now, as `call` promises: the schema's conversion below may wait.
  const taken = takeMessages(messages) as readonly ChatMessage[];
  const output = await structuredOutput(schema, jsonSchema);
  const reply = await call(name, taken, { ...rest, responseFormat: output.responseFormat });
  return { ...reply, parsed: await output.parse(reply.text) };
}

/** What {@link streamWithSchema} takes from the system. */
export interface SchemaStreamDeps<Name> {
  stream(name: Name, messages: readonly ChatMessage[], options: StreamOptions): ReplyStream;
  /** The stream's high-water mark: the client's, else the default. */
  highWaterMark: number;
  stack: CallerStack | undefined;
  /** What admission threw, as the caller's typed error. */
  admissionError(error: unknown, stack: CallerStack | undefined): DspexError;
}

/**
 * `stream` with structured output: the schema's JSON Schema goes out, and the streamed text is
 * validated here when it ends; the last chunk carries `parsed`.
 */
export function streamWithSchema<Name>(
  deps: SchemaStreamDeps<Name>,
  name: Name,
  messages: unknown,
  options: StreamOptions & Partial<SchemaOptions>,
): ReplyStream {
  const { schema, jsonSchema, ...rest } = options;
  let taken: readonly ChatMessage[];
  try {
    checkSchemaOptions(schema, rest.responseFormat);
    // Taken now, as `stream` promises: the schema's conversion may wait.
    taken = takeMessages(messages) as readonly ChatMessage[];
  } catch (error) {
    return ReplyStream.failed(deps.admissionError(error, deps.stack));
  }
  const output = structuredOutput(schema, jsonSchema);
  output.catch(() => undefined); // surfaces on the first pull
  return openStructuredStream({
    name: String(name),
    output,
    open: (responseFormat) => deps.stream(name, taken, { ...rest, responseFormat }),
    highWaterMark: deps.highWaterMark,
    signal: rest.signal,
    stack: deps.stack,
  });
}
