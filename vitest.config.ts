import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "supervisor/**/*.test.ts", "workers/**/*.test.ts"],
    // The observer's browser tests need Chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ["test/browser/**", "**/node_modules/**"],
    globalSetup: ["test/globalSetup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Worker-thread tests are CPU-bound on a 2-core machine; two files at once is the sweet spot.
    maxWorkers: 2,
    pool: "forks",
  },
});
