/**
 * The Node.js flags a client's worker thread starts with, taken from the host process's own.
 *
 * By default a `Worker` inherits its parent's options, and re-reads `NODE_OPTIONS`. Some of them only
 * make sense for the host's entry point and stop a worker from starting at all: a host run as
 * `node --input-type=module -e "..."` could start no client ("--input-type can only be used with
 * string input"). Passing an explicit `execArgv` instead is re-parsed as a worker's command line, where
 * per-process and V8 flags (`--max-old-space-size`, `--title`, `--stack-size`, ...) are refused
 * (`ERR_WORKER_INVALID_EXEC_ARGV`). Those apply to the whole process, workers included, so nothing is
 * lost by leaving them out (checked: a worker's heap limit follows the host's `--max-old-space-size`).
 *
 * So the worker gets an allow-list: the flags below that change how a worker's own code loads and
 * reports (preloads and loaders, resolution conditions, TypeScript and module switches, source maps,
 * warnings, profiling into files, DNS and header limits). Everything else is left out, among it the
 * entry-point modes (`-e`, `-p`, `--input-type`, `-i`, `-c`, `--run`), `--inspect*` (a worker is
 * debugged through its host's inspector; a worker with `--inspect-brk` would wait forever),
 * `--watch*`, `--test*` and `--env-file` (the environment is copied already). Which flags Node refuses
 * in a worker was found by trying each on Node 20 and 24; see test/unit/src/hostFlags.test.ts.
 *
 * Preloads (`--import`, `--require`, `--loader`) are kept, as Node itself does for workers: a store
 * module written in TypeScript, or an import-path alias, needs the host's loader inside the worker too.
 * They cost a worker what they cost the host (tsx: about +5 MiB of RSS per worker and up to twice its
 * start time; docs/lifecycle.md has the figures); `createSystem(spec, { workerExecArgv: [] })` replaces
 * the list when that is not wanted.
 */

/** Flags a worker keeps, and whether each takes a value (`--flag value` or `--flag=value`). */
const KEPT = new Map<string, boolean>([
  // preloads and loaders
  ["--import", true],
  ["--require", true],
  ["--loader", true],
  ["--experimental-loader", true],
  // resolution and module formats
  ["--conditions", true],
  ["--preserve-symlinks", false],
  ["--experimental-strip-types", false],
  ["--no-experimental-strip-types", false],
  ["--experimental-transform-types", false],
  ["--experimental-vm-modules", false],
  ["--experimental-require-module", false],
  ["--no-experimental-require-module", false],
  ["--experimental-detect-module", false],
  ["--no-experimental-detect-module", false],
  ["--experimental-wasm-modules", false],
  ["--experimental-json-modules", false],
  ["--experimental-import-meta-resolve", false],
  ["--frozen-intrinsics", false],
  // errors, warnings, source maps
  ["--enable-source-maps", false],
  ["--no-warnings", false],
  ["--no-deprecation", false],
  ["--trace-warnings", false],
  ["--trace-deprecation", false],
  ["--throw-deprecation", false],
  ["--pending-deprecation", false],
  ["--trace-uncaught", false],
  ["--trace-exit", false],
  ["--disable-warning", true],
  ["--unhandled-rejections", true],
  // profiles written to files (one per thread)
  ["--cpu-prof", false],
  ["--cpu-prof-dir", true],
  ["--cpu-prof-name", true],
  ["--cpu-prof-interval", true],
  ["--heap-prof", false],
  ["--heap-prof-dir", true],
  ["--heap-prof-name", true],
  ["--heap-prof-interval", true],
  ["--diagnostic-dir", true],
  // what the worker's HTTP client reads
  ["--dns-result-order", true],
  ["--max-http-header-size", true],
  ["--network-family-autoselection", false],
  ["--no-network-family-autoselection", false],
  ["--network-family-autoselection-attempt-timeout", true],
]);

/** Short forms of kept flags; a worker takes only the long form with `=` (`-r=x` is refused). */
const ALIASES = new Map([
  ["-r", "--require"],
  ["-C", "--conditions"],
]);

/** Left-out flags whose value may look like a flag (`-p -1`): their next argument is always theirs. */
const DROPPED_WITH_VALUE = new Set(["-e", "--eval", "-p", "--print", "-pe", "-ep", "--input-type"]);

/**
 * The worker's share of a host's `execArgv` (see the module comment). Pure: the same list in gives the
 * same list out, in the host's order, each kept flag written in its long form as one `--flag=value`
 * argument.
 */
export function workerExecArgv(hostExecArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < hostExecArgv.length; i++) {
    const arg = hostExecArgv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const given = eq === -1 ? arg : arg.slice(0, eq);
    const name = ALIASES.get(given) ?? given;
    const takesValue = KEPT.get(name);
    // The next argument is this flag's value when the flag takes one and has no `=`; for a flag we
    // do not know, when the next argument is not itself a flag (execArgv holds nothing but options).
    const next = hostExecArgv[i + 1];
    const ownsNext =
      eq === -1 &&
      next !== undefined &&
      (takesValue === true ||
        DROPPED_WITH_VALUE.has(given) ||
        (takesValue === undefined && !next.startsWith("-")));
    if (takesValue !== undefined)
      kept.push(ownsNext ? `${name}=${next}` : eq === -1 ? name : `${name}${arg.slice(eq)}`);
    if (ownsNext) i++;
  }
  return kept;
}

/**
 * `NODE_OPTIONS` as a worker should read it (a worker re-reads it from its environment), or
 * `undefined` when it needs no change.
 */
export function workerNodeOptions(nodeOptions: string | undefined): string | undefined {
  if (nodeOptions === undefined || nodeOptions.trim() === "") return undefined;
  const args = splitNodeOptions(nodeOptions);
  const kept = workerExecArgv(args);
  if (kept.length === args.length && kept.every((a, i) => a === args[i])) return undefined;
  return kept.map(quote).join(" ");
}

/** What `new Worker(entry, options)` needs so that a worker starts in this host (see the module comment). */
export interface WorkerHostOptions {
  execArgv: string[];
  /** Set only when `NODE_OPTIONS` had to be filtered: the host's environment with the worker's copy of it. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The host-derived options for a new worker: `execArgv` from `override` when given, else filtered
 * from this process's; `env` when `NODE_OPTIONS` needs filtering.
 */
export function workerHostOptions(override?: readonly string[]): WorkerHostOptions {
  const execArgv = override !== undefined ? [...override] : workerExecArgv(process.execArgv);
  const nodeOptions = workerNodeOptions(process.env.NODE_OPTIONS);
  if (nodeOptions === undefined) return { execArgv };
  return { execArgv, env: { ...process.env, NODE_OPTIONS: nodeOptions } };
}

/** Splits `NODE_OPTIONS` as Node does: on spaces, with double quotes and backslash escapes inside them. */
export function splitNodeOptions(text: string): string[] {
  const args: string[] = [];
  let current = "";
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inQuotes && c === "\\" && i + 1 < text.length) {
      current += text[++i];
    } else if (c === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if (c === " " && !inQuotes) {
      if (started) args.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

function quote(arg: string): string {
  return /[\s"\\]/.test(arg) ? `"${arg.replace(/["\\]/g, (c) => `\\${c}`)}"` : arg;
}
