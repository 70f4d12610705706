/**
 * Bytes of a server-sent-events body in, chunks (text and reasoning deltas) out: eventsource-parser does the SSE framing,
 * a vendor's {@link StreamDecoder} the meaning. Bytes are decoded as UTF-8 across read boundaries (a
 * character split between two socket reads stays whole).
 */
import { createParser, type EventSourceParser } from "eventsource-parser";
import { type DspexError, dspexError, isDspexError } from "../../src/errors.js";
import type { StreamChunk } from "../../src/types.js";
import type { StreamDecoder, StreamSummary } from "../providers/StreamDecoder.js";
import { badStreamEvent } from "../providers/streamError.js";

/** Longest partial event the parser may hold, in characters: a bound on a malformed or hostile body. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/** What one `feed` produced. */
export interface FeedResult {
  /** Chunks completed by these bytes, in order: one per event that carried text or reasoning. */
  deltas: StreamChunk[];
  /** True when some event carried part of the answer (resets the stall timer). */
  progressed: boolean;
  /**
   * Set when the stream failed: an error event, a malformed event, or (from `end`) a body that ended
   * before the vendor's end event. `deltas` still holds the text decoded before the failure.
   */
  error?: DspexError;
}

/** Reads one stream body; see the module comment. */
export class SseReader {
  readonly #decoder: StreamDecoder;
  readonly #utf8 = new TextDecoder("utf-8");
  readonly #parser: EventSourceParser;
  #deltas: StreamChunk[] = [];
  #failure: DspexError | undefined;

  constructor(decoder: StreamDecoder) {
    this.#decoder = decoder;
    this.#parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event) => {
        if (this.#failure !== undefined) return;
        try {
          const text = this.#decoder.decode(event);
          const reasoning = this.#decoder.takeReasoning();
          if (reasoning !== "") this.#deltas.push({ text, reasoning, cached: false });
          else if (text !== "") this.#deltas.push({ text, cached: false });
        } catch (error) {
          this.#failure = isDspexError(error) ? error : badStreamEvent(String(error));
        }
      },
      onError: (error) => {
        // Unknown fields and bad `retry:` values are tolerated, as browsers do; only the bound is fatal.
        if (error.type === "max-buffer-size-exceeded" && this.#failure === undefined) {
          this.#failure = badStreamEvent(`an event longer than ${MAX_EVENT_CHARS} characters`);
        }
      },
    });
  }

  /** True once the vendor's terminal event was read. */
  get done(): boolean {
    return this.#decoder.done;
  }

  /** Everything but the text; complete once {@link done}. */
  summary(): StreamSummary {
    return this.#decoder.summary();
  }

  /** Feeds raw body bytes. Never throws: a failure is reported in the result, after the text before it. */
  feed(bytes: Uint8Array): FeedResult {
    const before = this.#decoder.progress;
    if (this.#failure === undefined) this.#parser.feed(this.#utf8.decode(bytes, { stream: true }));
    return this.#result(before);
  }

  /**
   * The body ended. Reports `ERR_NETWORK` when it ended before the answer was complete (a dropped
   * connection that still closed cleanly at the HTTP level); see `StreamDecoder.complete`.
   */
  end(): FeedResult {
    const before = this.#decoder.progress;
    if (this.#failure === undefined) {
      const rest = this.#utf8.decode();
      if (rest !== "") this.#parser.feed(rest);
      this.#parser.reset({ consume: true });
      if (this.#failure === undefined && !this.#decoder.complete) {
        this.#failure = dspexError("ERR_NETWORK", "upstream closed the stream before its end event");
      }
    }
    return this.#result(before);
  }

  #result(before: number): FeedResult {
    const result: FeedResult = { deltas: this.#deltas, progressed: this.#decoder.progress !== before };
    this.#deltas = [];
    if (this.#failure !== undefined) result.error = this.#failure;
    return result;
  }
}
