/**
 * A provider turns a {@link WireRequest} into the vendor's HTTP request and the vendor's answers into
 * the contract's shapes. One object per vendor; pure functions, no I/O, so each is tested on data.
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { ErrorData } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { ProviderName, Reply } from "../../src/types.js";

/** Response headers as undici gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The HTTP request a provider wants sent. */
export interface UpstreamRequest {
  /** Full URL: `${baseURL}/chat/completions` or `${baseURL}/messages`. */
  url: string;
  /** Headers, credentials included (never logged). */
  headers: Record<string, string>;
  /** The JSON body, serialized. */
  body: string;
}

/** One vendor's wire format. */
export interface Provider {
  readonly name: ProviderName;
  /** Builds the upstream request; `stream` asks for server-sent events. */
  buildRequest(client: ResolvedClientSpec, request: WireRequest, stream: boolean): UpstreamRequest;
  /**
   * Parses a 2xx JSON body into a {@link Reply} with `cached: false`.
   * Throws a `BadResponseError` when the body is not the API's format.
   */
  parseReply(body: unknown): Reply;
  /** Maps a non-2xx answer to plain error data (`ERR_RATE_LIMITED` for 429, else `ERR_HTTP`). */
  parseError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData;
}
