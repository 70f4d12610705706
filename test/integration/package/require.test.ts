/**
 * `require("dspex")` from CommonJS, in a child process on the running Node (CI runs this file on 20 and
 * 24). The package is ESM only; `exports` names a `default` target, not only `import`, so that:
 * - a Node that can `require()` an ES module (20.19+, 22.12+, 24: `process.features.require_module`)
 *   loads it, and `dspex/mock` too;
 * - a Node that cannot (20.18, or any Node run with `--no-experimental-require-module`) fails with its
 *   own clear `ERR_REQUIRE_ESM`, never `ERR_PACKAGE_PATH_NOT_EXPORTED` (what an `import`-only map gave).
 *
 * The consumer is a temporary project whose `node_modules/dspex` links to this repository, so Node
 * reads this repository's package.json `exports` exactly as an installed copy's.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
let consumer: string;

/** What the consumer script prints: the outcome of each `require`. */
interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  keys?: string[];
}

const PROBE = `
const out = {};
for (const id of ["dspex", "dspex/mock"]) {
  try { out[id] = { ok: true, keys: Object.keys(require(id)) }; }
  catch (e) { out[id] = { ok: false, code: e.code, message: String(e.message).split("\\n")[0] }; }
}
process.stdout.write(JSON.stringify(out));
`;

async function probe(flags: string[]): Promise<Record<string, Outcome>> {
  const { stdout } = await run(process.execPath, [...flags, "probe.cjs"], { cwd: consumer });
  return JSON.parse(stdout) as Record<string, Outcome>;
}

beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), "dspex-cjs-"));
  mkdirSync(join(consumer, "node_modules"));
  symlinkSync(root, join(consumer, "node_modules", "dspex"), "dir");
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  writeFileSync(join(consumer, "probe.cjs"), PROBE);
});
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe("require('dspex') from CommonJS", () => {
  const canRequireEsm = process.features.require_module === true;

  it(`loads the package and dspex/mock where Node can require ESM (here: ${canRequireEsm})`, async () => {
    const out = await probe(["--no-warnings"]);
    if (canRequireEsm) {
      expect(out.dspex).toMatchObject({ ok: true });
      expect(out.dspex?.keys).toEqual(expect.arrayContaining(["createSystem", "isDspexError", "DspexError"]));
      expect(out["dspex/mock"]?.keys).toEqual(expect.arrayContaining(["startMockServer"]));
    } else {
      // Node 20.18 and older 22s: Node's own message, which tells the user to use import().
      expect(out.dspex).toMatchObject({ ok: false, code: "ERR_REQUIRE_ESM" });
      expect(out["dspex/mock"]).toMatchObject({ ok: false, code: "ERR_REQUIRE_ESM" });
    }
  });

  it("fails with Node's ERR_REQUIRE_ESM, not ERR_PACKAGE_PATH_NOT_EXPORTED, where require(esm) is off", async () => {
    // Every Node this package supports takes this flag (it turns require(esm) off where it is on).
    expect(process.allowedNodeEnvironmentFlags.has("--no-experimental-require-module")).toBe(true);
    const out = await probe(["--no-warnings", "--no-experimental-require-module"]);
    for (const id of ["dspex", "dspex/mock"]) {
      expect(out[id]).toMatchObject({ ok: false, code: "ERR_REQUIRE_ESM" });
      expect(out[id]?.message).toContain("dspex");
    }
  });
});
