/**
 * What `npm pack` puts in the package a user installs: the licence and changelog, and source maps that
 * carry their sources (a map that points at TypeScript files the package does not ship is useless to a
 * debugger). `npm pack --dry-run --ignore-scripts` lists the files without building: the suite built
 * `dist/` already (test/globalSetup.ts).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
let files: string[] = [];

beforeAll(async () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const { stdout } = await run(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  files = pack?.files.map((f) => f.path) ?? [];
  // npm itself starts here (a second Node process loading npm): seconds on a loaded 2-core machine.
}, 90_000);

describe("the package tarball", () => {
  it("ships the MIT licence named in package.json, and the changelog", () => {
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "CHANGELOG.md", "package.json", "README.md"]));
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { license: string };
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toMatch(/^MIT License/);
  });

  it("ships no source map without its sources", () => {
    const maps = files.filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(0);
    const bare = maps.filter((path) => {
      const map = JSON.parse(readFileSync(join(root, path), "utf8")) as {
        sources: string[];
        sourcesContent?: Array<string | null>;
      };
      const content = map.sourcesContent ?? [];
      return content.length !== map.sources.length || content.some((s) => typeof s !== "string");
    });
    expect(bare).toEqual([]);
  });

  it("ships no tests, benchmarks or TypeScript sources", () => {
    expect(
      files.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f) || /(?<!\.d)\.ts$/.test(f)),
    ).toEqual([]);
  });
});
