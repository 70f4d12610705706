/**
 * Where a client connects and with what credential: its `baseURL` (the vendor's by default), its API
 * key (the spec's, else the vendor's conventional variable), its extra headers and query, and the
 * rule that a vendor's own URL needs a key.
 */
import { DEFAULTS } from "./defaults.js";
import { invalidArgument } from "./errors.js";
import { CREDENTIAL_HEADERS, checkHeaders, checkQuery } from "./headers.js";
import type { ProviderName } from "./types.js";

/** A client's endpoint, checked. */
export interface ClientEndpoint {
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  query: Record<string, string> | undefined;
}

/** Reads and checks a client spec's `baseURL`, `apiKey`, `headers` and `query` (at `path`). */
export function resolveEndpoint(
  spec: { baseURL?: unknown; apiKey?: unknown; headers?: unknown; query?: unknown },
  provider: ProviderName,
  path: string,
): ClientEndpoint {
  const url = baseURL(spec.baseURL, provider, `${path}.baseURL`);
  const apiKey = resolveApiKey(spec.apiKey as string | undefined, provider);
  const headers =
    spec.headers === undefined
      ? undefined
      : checkHeaders(spec.headers, `${path}.headers`, apiKey === undefined);
  const query = spec.query === undefined ? undefined : checkQuery(spec.query, `${path}.query`);
  if (apiKey === undefined && isVendorURL(url) && !hasCredential(headers)) {
    throw invalidArgument(
      `${path}.apiKey`,
      `is missing, and so is ${DEFAULTS.apiKeyEnv[provider]}: ${new URL(url).host} needs a key`,
    );
  }
  return { baseURL: url, apiKey, headers, query };
}

/** The spec's key, else the provider's conventional variable; an empty string counts as none. */
function resolveApiKey(apiKey: string | undefined, provider: ProviderName): string | undefined {
  const key = apiKey ?? process.env[DEFAULTS.apiKeyEnv[provider]];
  return key === undefined || key === "" ? undefined : key;
}

/** Hosts that always need a key: the vendors' own APIs (a proxy or a local server may not). */
const VENDOR_HOSTS =
  /(^|\.)(api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com|openai\.azure\.com|cognitiveservices\.azure\.com)$/;

function isVendorURL(url: string): boolean {
  return VENDOR_HOSTS.test(new URL(url).hostname);
}

function hasCredential(headers: Record<string, string> | undefined): boolean {
  if (headers === undefined) return false;
  for (const name in headers) if (CREDENTIAL_HEADERS.has(name)) return true;
  return false;
}

function baseURL(value: unknown, provider: ProviderName, path: string): string {
  if (value === undefined) {
    const fallback = DEFAULTS.baseURL[provider];
    if (fallback === undefined) {
      throw invalidArgument(
        path,
        `is required for ${provider} (your resource's URL, e.g. https://NAME.openai.azure.com)`,
      );
    }
    return fallback;
  }
  if (typeof value !== "string") throw invalidArgument(path, "must be a string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(path, "must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidArgument(path, "must use http or https");
  if (url.username !== "" || url.password !== "") throw invalidArgument(path, "must not carry credentials");
  // Normalized without a trailing slash, so `${baseURL}/chat/completions` is always well formed.
  return value.replace(/\/+$/, "");
}
