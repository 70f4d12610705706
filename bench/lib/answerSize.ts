/**
 * Answers of a chosen size for the mock server (the `answer` override of `dspex/mock`): the large-answer
 * scenario measures what carrying 20 KB or 100 KB of text costs each client. The text starts with the
 * mock's own answer (so every conversation still gets a different one) and is filled with plain words
 * up to the size: ASCII, so its length in characters is its length in UTF-8 bytes.
 */
import { defaultAnswer, type MockAnswerInput } from "../../mock/index.js";

const FILLER_WORDS = "the quick brown fox jumps over the lazy dog and keeps running through the field ";

/** An `answer` override whose every text is exactly `chars` characters long. */
export function sizedAnswer(chars: number): (input: MockAnswerInput) => string {
  // Built once: the filler is the same for every answer, only the head differs.
  const filler = FILLER_WORDS.repeat(Math.ceil(chars / FILLER_WORDS.length));
  return (input) => {
    const head = `${defaultAnswer(input.messages)}. `;
    return head.length >= chars ? head.slice(0, chars) : head + filler.slice(0, chars - head.length);
  };
}
