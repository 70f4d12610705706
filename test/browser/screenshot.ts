/**
 * `npm run docs:screenshot`: the observer page during the demo (`dspex-observe`'s tree and traffic),
 * captured by headless Chromium into docs/observability-screenshot.png once the page has shown a
 * restart and a breaker change, so every part of it has moved.
 */
import { fileURLToPath } from "node:url";
import { startObserverDemo } from "../../src/observer/demo.js";
import { launch } from "./chromium.js";

const out = fileURLToPath(new URL("../../docs/observability-screenshot.png", import.meta.url));
const demo = await startObserverDemo();
const browser = await launch({ width: 1760, height: 640 });
try {
  const page = await browser.context.newPage();
  await page.goto(demo.url);
  await page.waitForSelector('#events li[data-event="restart"]', { timeout: 30_000 });
  await page.waitForSelector('#events li[data-event="breaker"]', { timeout: 30_000 });
  await page.screenshot({ path: out });
  process.stdout.write(`screenshot: ${out}\n`);
} finally {
  await browser.close();
  await demo.stop();
}
