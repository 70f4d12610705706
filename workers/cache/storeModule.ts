/**
 * An external cache store named in a client's settings (`cache.store: { module, options }`), built
 * inside the worker: `module` is imported (a package name resolves from dspex's own location; a path
 * starting with `./`, `../` or `/` from the working directory) and its default export (or its first
 * `Keyv...` export) is constructed with `options`. Every failure is `ERR_INVALID_ARGUMENT` on the
 * field `cache.store.module`, naming the module but never echoing the options (they may hold a
 * password).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type InvalidArgumentError, invalidArgument } from "../../src/errors.js";
import type { Json, Reply } from "../../src/types.js";
import type { StoredReply } from "./replyCopy.js";

const FIELD = "cache.store.module";

/** Imports `specifier` and constructs its store class with `options`. */
export async function buildStore(specifier: string, options: Json | undefined): Promise<object> {
  const name = JSON.stringify(specifier);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(resolveSpecifier(specifier))) as Record<string, unknown>;
  } catch (error) {
    throw invalidArgument(FIELD, `could not import ${name} (${errorMessage(error)})`);
  }
  const Store = storeClass(mod);
  if (Store === undefined) {
    throw invalidArgument(FIELD, `${name} has no default export or Keyv... export that is a class`);
  }
  try {
    return new Store(options);
  } catch {
    // The options may hold a password, and a store's error may echo them: name the module only.
    throw invalidArgument(FIELD, `constructing the store of ${name} failed`);
  }
}

/** The refusal of a module whose export built something keyv cannot use as a store. */
export function notAStore(specifier: string): InvalidArgumentError {
  return invalidArgument(
    FIELD,
    `${JSON.stringify(specifier)} did not build a keyv store (get, set, delete, clear)`,
  );
}

/** The shape check of an entry read from an external store (entries of a shared store may come from anyone). */
export function isStoredReply(value: unknown): value is StoredReply {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<keyof Reply, unknown>;
  const usage = r.usage as Record<string, unknown> | null | undefined;
  return (
    typeof r.text === "string" &&
    typeof r.finishReason === "string" &&
    typeof r.model === "string" &&
    typeof usage === "object" &&
    usage !== null &&
    typeof usage.promptTokens === "number" &&
    typeof usage.completionTokens === "number" &&
    typeof usage.totalTokens === "number" &&
    (r.toolCalls === undefined || Array.isArray(r.toolCalls))
  );
}

/** File paths become file URLs (relative ones from the working directory); package names stay. */
function resolveSpecifier(specifier: string): string {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return pathToFileURL(resolve(process.cwd(), specifier)).href;
  }
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  return specifier;
}

type StoreClass = new (options: Json | undefined) => object;

/** The default export (or CommonJS `module.exports`), else the first `Keyv...` named export. */
function storeClass(mod: Record<string, unknown>): StoreClass | undefined {
  const candidates: unknown[] = [mod.default];
  const inner = mod.default as Record<string, unknown> | undefined;
  if (typeof inner === "object" && inner !== null) {
    candidates.push(
      inner.default,
      ...Object.entries(inner)
        .filter(([k]) => k.startsWith("Keyv"))
        .map(([, v]) => v),
    );
  }
  for (const [k, v] of Object.entries(mod)) if (k.startsWith("Keyv")) candidates.push(v);
  return candidates.find((c): c is StoreClass => typeof c === "function");
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
