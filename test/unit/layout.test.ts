/**
 * The folder rule of docs/architecture.md ("Who imports whom"), checked over static imports: the
 * supervisor takes from `src/` only the shared leaf modules, those leaves import nothing outside
 * themselves, and the mock server imports nothing from the library.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// `types.ts` and `errors.ts` gather the modules that hold them: each of those is a leaf too.
const SHARED_LEAVES = [
  "src/callOptions.ts",
  "src/defaults.ts",
  "src/errorClasses.ts",
  "src/errorCodes.ts",
  "src/errorData.ts",
  "src/errors.ts",
  "src/inspectTypes.ts",
  "src/json.ts",
  "src/messages.ts",
  "src/names.ts",
  "src/replyTypes.ts",
  "src/specTypes.ts",
  "src/types.ts",
];

function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      const rel = path.posix.join(dir, name);
      if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
      else if (rel.endsWith(".ts")) out.push(rel);
    }
  };
  walk(folder);
  return out;
}

/** The repository-relative files `file` imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
    found.push(
      path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1] as string)).replace(/\.js$/, ".ts"),
    );
  }
  return found;
}

describe("layout", () => {
  it("supervisor/ imports from src/ only the shared leaf modules", () => {
    const outside = sources("supervisor").flatMap((f) =>
      importsOf(f)
        .filter((t) => !t.startsWith("supervisor/") && !SHARED_LEAVES.includes(t))
        .map((t) => `${f} -> ${t}`),
    );
    expect(outside).toEqual([]);
  });

  it("the shared leaf modules import only each other", () => {
    const outside = SHARED_LEAVES.flatMap((f) =>
      importsOf(f)
        .filter((t) => !SHARED_LEAVES.includes(t))
        .map((t) => `${f} -> ${t}`),
    );
    expect(outside).toEqual([]);
  });

  it("mock/ imports nothing from the library", () => {
    const outside = sources("mock").flatMap((f) =>
      importsOf(f)
        .filter((t) => !t.startsWith("mock/"))
        .map((t) => `${f} -> ${t}`),
    );
    expect(outside).toEqual([]);
  });
});
