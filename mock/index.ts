/**
 * `dspex/mock`: an embedded mock LLM server (chat and embeddings of OpenAI, Azure, Anthropic, Gemini) with
 * scriptable faults and live counters, for demos, tests and benchmarks. See docs/mock-server.md.
 */
export { defaultAnswer } from "./answer.js";
export { MockLlmServer, startMockServer } from "./MockLlmServer.js";
export type { MockToolCall, MockTurn } from "./turn.js";
export type {
  Fault,
  FaultOptions,
  MockAnswerInput,
  MockLimits,
  MockMessage,
  MockOutage,
  MockProvider,
  MockRateLimit,
  MockRequestLog,
  MockServer,
  MockServerOptions,
  MockStats,
} from "./types.js";
export { DEFAULT_DIMENSIONS, mockVector, vectorBase64 } from "./vectors.js";
