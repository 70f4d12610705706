/**
 * dspex: LLM clients built the way Erlang/OTP builds services. The public surface, listed explicitly.
 */

export type { Subscription } from "../supervisor/Child.js";
export type { SupervisorEvent } from "../supervisor/events.js";
export { type AssistantTurn, assistantMessage } from "./assistantMessage.js";
export { DEFAULTS } from "./defaults.js";
export {
  AbortedError,
  type AnyDspexError,
  BadOutputError,
  BadResponseError,
  BudgetExceededError,
  CircuitOpenError,
  ClientUnavailableError,
  ContentFilterError,
  DspexError,
  type DspexErrorByCode,
  type ErrorCode,
  ErrorCodes,
  type ErrorData,
  HttpError,
  InvalidArgumentError,
  isDspexError,
  NetworkError,
  type OutputIssue,
  QueueFullError,
  RateLimitedError,
  StartFailedError,
  SystemStoppedError,
  TimeoutError,
  UnknownClientError,
  WorkerCrashedError,
} from "./errors.js";
export type {
  BreakerEvent,
  EventOf,
  RetryEvent,
  SystemEvent,
  SystemEventType,
  SystemFailedEvent,
} from "./events.js";
export type { ObserveOptions, Observer } from "./observer/ObserverServer.js";
export type { AdminApi, BreakerInfo, CacheInfo, MailboxInfo } from "./protocol.js";
export type { ReplyStream, ReplyStreamState } from "./ReplyStream.js";
export { createSystem, System, type SystemOptions, type SystemState } from "./System.js";
export type {
  BreakerMessage,
  CallEndMessage,
  CallErrorMessage,
  CallStartMessage,
  FallbackMessage,
  OperationKind,
  RestartMessage,
} from "./telemetry/channels.js";
export { SEMCONV_VERSION } from "./telemetry/genai.js";
export type { TelemetryOptions } from "./telemetry/Telemetry.js";
export type {
  BreakerSettings,
  BreakerState,
  CacheMode,
  CacheSettings,
  CallControls,
  CallOptions,
  ChatMessage,
  ChildSpec,
  ClientSpec,
  ClientStats,
  FinishReason,
  GenerationParams,
  InferSchemaOutput,
  Json,
  NodeSnapshot,
  NodeStatus,
  ParsedReply,
  ProviderName,
  ReasoningDetail,
  Redelivery,
  Reply,
  ReplyChoice,
  RequestControls,
  RestartType,
  RetrySettings,
  Role,
  SchemaOptions,
  Strategy,
  StreamChunk,
  StreamOptions,
  StreamSettings,
  SupervisorSpec,
  SystemSpec,
  TokenLogprob,
  ToolCall,
  Usage,
} from "./types.js";
export type { WorkerSpawner } from "./WorkerSpawner.js";
