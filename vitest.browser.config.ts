import { defineConfig } from "vitest/config";

/**
 * `npm run test:browser`: the observer page in headless Chromium (Debian's `/usr/bin/chromium`, driven by
 * playwright-core). Apart from `npm test`, so a machine without Chromium still passes `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 1,
    pool: "forks",
  },
});
