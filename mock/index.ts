/**
 * `dspex/mock`: an embedded mock LLM server (OpenAI chat completions and Anthropic messages) with
 * scriptable faults and live counters, for demos, tests and benchmarks. See docs/mock-server.md.
 */
export { defaultAnswer } from "./answer.js";
export { MockLlmServer, startMockServer } from "./MockLlmServer.js";
export type { MockToolCall, MockTurn } from "./turn.js";
export type {
  Fault,
  FaultOptions,
  MockAnswerInput,
  MockMessage,
  MockProvider,
  MockRateLimit,
  MockRequestLog,
  MockServer,
  MockServerOptions,
  MockStats,
} from "./types.js";
