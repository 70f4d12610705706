/**
 * Loads the CommonJS packages a worker needs (undici's parts, cockatiel, comlink,
 * safe-stable-stringify) with `require`, not `import`.
 *
 * Imported from ESM, a CommonJS package is parsed by Node's CJS export lexer, a WebAssembly module
 * instantiated once per thread and then held: about 1.3 MiB of every idle worker's RSS; undici's
 * entry through `import` also took ~90 ms of every new worker's start against ~27 ms for the parts
 * required directly (measurements in docs/decisions.md). `require` needs no lexer. This is the one
 * place that knows it: the modules that use these packages read as if they had imported them.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** `require(id)`, typed by the caller (`requireCommonJs<typeof import("cockatiel")>("cockatiel")`). */
export function requireCommonJs<T>(id: string): T {
  return require(id) as T;
}
