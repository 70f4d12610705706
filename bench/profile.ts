/**
 * Summarizes V8 CPU profiles: where the self time went, by function and by package. Every thread
 * writes its own profile (the main thread is `<pid>.0.*`, workers `<pid>.<threadId>.*`), so a missed
 * target can be traced to the thread and the function that pay for it.
 *
 *   node --cpu-prof --cpu-prof-dir=prof dist/bench/run.js --scenario cache-misses --no-docs
 *   node dist/bench/profile.js prof            # every profile in the folder, one summary each
 *   node dist/bench/profile.js prof/CPU.x.cpuprofile --top 40
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per package of one profile, in ms. */
export interface ProfileSummary {
  totalMs: number;
  byFunction: [string, number][];
  byPackage: [string, number][];
}

/** Reads one .cpuprofile and sums its self time. */
export function summarize(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMs = 0;
  for (const node of profile.nodes) {
    const ms = (selfUs.get(node.id) ?? 0) / 1_000;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url);
    const fn = `${functionName || "(anonymous)"}${where ? ` ${where}:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    totalMs += ms;
  }
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, byFunction: sorted(byFunction), byPackage: sorted(byPackage) };
}

function shortUrl(url: string): string {
  if (url.includes("node_modules/")) return url.slice(url.lastIndexOf("node_modules/") + 13);
  const dist = url.indexOf("/dist/");
  return dist >= 0 ? url.slice(dist + 1) : url;
}

function packageOf(url: string, functionName: string): string {
  if (url.includes("node_modules/")) {
    const rest = url.slice(url.lastIndexOf("node_modules/") + 13).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const dist = url.indexOf("/dist/");
  if (dist >= 0)
    return url
      .slice(dist + 1)
      .split("/")
      .slice(0, 2)
      .join("/");
  return functionName ? `(${functionName.replace(/^\(|\)$/g, "")})` : "(native)";
}

function render(file: string, s: ProfileSummary): string {
  const line = ([k, ms]: [string, number]): string =>
    `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / s.totalMs).toFixed(1).padStart(5)} %  ${k}`;
  return [
    `## ${file}: ${s.totalMs.toFixed(0)} ms sampled`,
    "by package:",
    ...s.byPackage.slice(0, 12).map(line),
    "by function (self time):",
    ...s.byFunction.map(line),
    "",
  ].join("\n");
}

const invokedDirectly = process.argv[1]?.endsWith("profile.js") === true;
if (invokedDirectly) {
  const { values, positionals } = parseArgs({ options: { top: { type: "string" } }, allowPositionals: true });
  const top = Number(values.top ?? 25);
  const files = positionals.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith(".cpuprofile"))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
  if (files.length === 0) {
    process.stderr.write("usage: node dist/bench/profile.js <folder or .cpuprofile files> [--top N]\n");
    process.exitCode = 2;
  }
  for (const file of files) process.stdout.write(render(file, summarize(file, top)));
}
