/**
 * The real vendor recordings under test/fixtures/wire/ and what each must come out as. Every recording
 * `<name>.<json|sse|chunks.txt>` has a manifest `<name>.expect.json` beside it: where it came from,
 * how it is answered (status, content type, framing), and the expected values, read from the
 * recording by hand (never computed by dspex). `notYetSupported` names expectations that dspex does
 * not meet yet; the replay test checks that they still fail, so a fix is noticed and the entry removed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The fixture folder. */
export const WIRE_DIR = fileURLToPath(new URL("../../fixtures/wire/", import.meta.url));

/** Which dspex provider speaks the recording's API. */
export type WireProvider = "openai" | "anthropic" | "gemini" | "azure";

/** An expected tool call (`id` only when the vendor sent one). */
export interface ExpectedToolCall {
  id?: string;
  name: string;
  arguments: string;
}

/** Expected token counts; detail counts are listed only where the vendor reported a non-zero one. */
export interface ExpectedUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedPromptTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/** What a successful recording must come out as, on `call` and on `stream` alike. */
export interface ExpectedReply {
  text: string;
  finishReason: string;
  model: string;
  id?: string;
  reasoning?: string;
  refusal?: string;
  toolCalls?: ExpectedToolCall[];
  usage?: ExpectedUsage;
}

/** What a failing recording must reject with. */
export interface ExpectedFailure {
  error: { code: string; status?: number; upstreamCode?: string };
  /** Mid-stream errors: the text streamed before the error event. */
  textBeforeError?: string;
}

/** A manifest (`<name>.expect.json`). */
export interface Manifest {
  provider: WireProvider;
  source: {
    repository: string;
    path: string;
    commit: string;
    licence: string;
    interaction?: number;
    note?: string;
  };
  response: {
    status: number;
    contentType: string;
    body: string;
    framing: "raw" | "chunks-openai" | "chunks-anthropic" | "chunks-gemini";
  };
  expect: ExpectedReply | ExpectedFailure;
  /**
   * Expectations dspex does not meet yet, by field (`reasoning`, `usage.cachedPromptTokens`,
   * `error.upstreamCode`, or `*` for the whole recording), each with the reason.
   */
  notYetSupported?: Record<string, string>;
}

/** One recording with its manifest. */
export interface Recording {
  /** `<vendor>/<name>`. */
  id: string;
  vendor: string;
  manifest: Manifest;
  bodyPath: string;
  /** True when the recording is a stream (SSE). */
  streamed: boolean;
}

/** Every recording, sorted by id. */
export function loadRecordings(): Recording[] {
  const out: Recording[] = [];
  for (const vendor of readdirSync(WIRE_DIR, { withFileTypes: true })) {
    if (!vendor.isDirectory()) continue;
    for (const file of readdirSync(`${WIRE_DIR}${vendor.name}`)) {
      if (!file.endsWith(".expect.json")) continue;
      const manifest = JSON.parse(readFileSync(`${WIRE_DIR}${vendor.name}/${file}`, "utf8")) as Manifest;
      out.push({
        id: `${vendor.name}/${file.slice(0, -".expect.json".length)}`,
        vendor: vendor.name,
        manifest,
        bodyPath: `${WIRE_DIR}${vendor.name}/${manifest.response.body}`,
        streamed: manifest.response.contentType.includes("event-stream"),
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** True when the manifest expects a failure. */
export function expectsFailure(expect: Manifest["expect"]): expect is ExpectedFailure {
  return "error" in expect;
}

/**
 * The expected fields as flat `path -> value` pairs (`text`, `usage.promptTokens`, `error.code`, ...),
 * so each can be checked (or known unsupported) on its own.
 */
export function flatten(value: object, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if ((key === "usage" || key === "error") && typeof v === "object" && v !== null) {
      for (const [k, inner] of flatten(v, path)) out.set(k, inner);
    } else {
      out.set(path, v);
    }
  }
  return out;
}

/** Reads `path` (`usage.promptTokens`) out of an observed result. */
export function pick(observed: object, path: string): unknown {
  let at: unknown = observed;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
