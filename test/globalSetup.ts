import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Worker threads cannot load TypeScript on Node 20, so the real workers run from `dist/`.
 * Building once here keeps `npx vitest` honest even when `npm test` did not build first.
 */
export default function setup(): void {
  if (process.env.DSPEX_SKIP_BUILD === "1") return;
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
