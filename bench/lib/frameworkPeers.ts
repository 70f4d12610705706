/**
 * The frameworks users reach for, as contenders (comparison only: devDependencies): the Vercel AI SDK
 * (`ai` with `@ai-sdk/openai`) and LangChain.js (`@langchain/openai`). Each sends the bench's chat
 * request to the mock's OpenAI chat-completions endpoint from the main thread, retries off, and reads
 * the answer's text, as dspex does. They are imported when a scenario asks for them, so runs that do
 * not use them do not load them into the process under test.
 */
import type { Contender } from "./contender.js";
import { BENCH_API_KEY, MODEL, SYSTEM_PROMPT, userText } from "./payload.js";

/** The AI SDK's `generateText` through its OpenAI provider's chat-completions model. */
export async function vercelAiSdk(baseURL: string): Promise<Contender> {
  const [{ generateText }, { createOpenAI }] = await Promise.all([import("ai"), import("@ai-sdk/openai")]);
  // `.chat()`: the provider's default model speaks the Responses API, which the bench does not measure.
  const model = createOpenAI({ apiKey: BENCH_API_KEY, baseURL }).chat(MODEL);
  return {
    label: "AI SDK generateText",
    call: async (seq) => {
      const result = await generateText({
        model,
        system: SYSTEM_PROMPT,
        prompt: userText(seq, true),
        temperature: 0,
        maxRetries: 0,
      });
      return result.text;
    },
    close: async () => {},
  };
}

/** LangChain.js's `ChatOpenAI.invoke`, chat completions, retries off. */
export async function langChain(baseURL: string): Promise<Contender> {
  const { ChatOpenAI } = await import("@langchain/openai");
  const chat = new ChatOpenAI({
    model: MODEL,
    apiKey: BENCH_API_KEY,
    configuration: { baseURL },
    temperature: 0,
    maxRetries: 0,
    useResponsesApi: false,
  });
  return {
    label: "LangChain.js ChatOpenAI",
    call: async (seq) => {
      const message = await chat.invoke([
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: userText(seq, true) },
      ]);
      return message.content;
    },
    close: async () => {},
  };
}
