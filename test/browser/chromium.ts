/**
 * Headless Chromium for the observer's browser tests: Debian's `/usr/bin/chromium` (or
 * `DSPEX_CHROMIUM`) driven by playwright-core, with a fresh user-data directory per launch and the
 * flags that keep it from reaching the network on its own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** The flags from the field notes (headless is set by `headless: true`). */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser context and the way to close it and remove its profile. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile. */
export async function launch(viewport = { width: 1400, height: 820 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "dspex-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.DSPEX_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
