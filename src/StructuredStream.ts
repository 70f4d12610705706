/**
 * Structured output for streams (issue #11): `system.stream(name, messages, { schema })`. The schema's
 * JSON Schema is sent as the response format, exactly as for `call` (`StructuredOutput.ts`), and the
 * answer's text, accumulated as it streams, is validated on this thread when the stream ends:
 *
 * - every chunk is relayed as it comes, except the last one (the one with a finish reason), which is
 *   held until the text is validated, and then carries `parsed`, the schema's output value;
 * - a text that fails (not JSON, or not valid against the schema) delivers the last chunk as it is,
 *   then ends the stream with `ERR_BAD_OUTPUT` (its `issues` and the raw `text`).
 *
 * A relay of the client's (or router's) own stream, opened once the schema is converted (the
 * conversion may wait on an import). Backpressure carries through: the relay pulls the inner stream
 * only while the caller's stream has credit; leaving early or aborting closes the inner stream, which
 * cancels upstream.
 */
import type { CallerStack } from "./CallerStack.js";
import { type DspexError, isDspexError, toErrorData } from "./errors.js";
import { ReplyStream } from "./ReplyStream.js";
import { rebuildError } from "./rebuildError.js";
import type { StructuredOutput } from "./StructuredOutput.js";
import type { Json, StreamChunk } from "./types.js";

/** How a structured stream opens the stream it relays, once it has the response format to send. */
export interface StructuredStreamSource {
  /** The client's or router's name (for errors). */
  readonly name: string;
  /** The schema's contract; its conversion may still be under way. */
  readonly output: Promise<StructuredOutput>;
  /** Opens the stream it relays, asking for `responseFormat`. */
  open(responseFormat: { [key: string]: Json }): ReplyStream;
  highWaterMark: number;
  signal: AbortSignal | undefined;
  stack: CallerStack | undefined;
}

/** See the module comment. */
export function openStructuredStream(source: StructuredStreamSource): ReplyStream {
  let inner: ReplyStream | undefined;
  let output: StructuredOutput | undefined;
  let credit = source.highWaterMark;
  let reading = false;
  let over = false;
  let held: StreamChunk | undefined;
  const texts: string[] = [];

  const outer = new ReplyStream({
    highWaterMark: source.highWaterMark,
    signal: source.signal,
    client: source.name,
    stack: source.stack,
    onStart: () => void start(),
    onCredit: (n) => {
      credit += n;
      void relay();
    },
    onCancel: () => {
      over = true;
      void inner?.return();
    },
  });

  const fail = (error: DspexError): void => {
    over = true;
    outer.fail(error);
  };

  async function start(): Promise<void> {
    try {
      output = await source.output;
    } catch (error) {
      const failure = asDspexError(error, source.name);
      source.stack?.applyTo(failure);
      return fail(failure);
    }
    if (over) return;
    inner = source.open(output.responseFormat);
    return relay();
  }

  async function relay(): Promise<void> {
    const stream = inner;
    if (reading || over || stream === undefined) return;
    reading = true;
    try {
      while (credit > 0 && !over) {
        const next = await stream.next();
        if (next.done) return await finish(stream);
        const chunk = next.value;
        if (chunk.text !== "") texts.push(chunk.text);
        // The last chunk waits for the verdict on the whole text.
        if (chunk.finishReason !== undefined) held = chunk;
        else {
          credit--;
          outer.push([chunk]);
        }
      }
    } catch (error) {
      fail(asDspexError(error, source.name));
    } finally {
      reading = false;
    }
  }

  async function finish(stream: ReplyStream): Promise<void> {
    const last = held;
    held = undefined;
    let failure: DspexError | undefined;
    if (last !== undefined && output !== undefined) {
      try {
        last.parsed = await output.parse(texts.join(""));
      } catch (error) {
        failure = asDspexError(error, source.name);
        source.stack?.applyTo(failure);
      }
    }
    if (over) return;
    if (last !== undefined) outer.push([last]);
    if (failure !== undefined) return fail(failure);
    over = true;
    outer.end(
      stream.finishReason ?? last?.finishReason ?? "stop",
      stream.meta ?? { attempts: 0 },
      stream.deliveries,
    );
  }

  return outer;
}

/** A thrown value as a dspex error (a dspex error as it is). */
function asDspexError(error: unknown, name: string): DspexError {
  return isDspexError(error) ? error : rebuildError(toErrorData(error, "ERR_BAD_OUTPUT"), name, undefined);
}
