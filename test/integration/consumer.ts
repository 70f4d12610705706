/**
 * A throwaway project outside this repository that depends on it, as a user's would: `node_modules/dspex`
 * links to this repository (so Node reads this package.json's `exports`, and `dist/`, exactly as an
 * installed copy's), and any dev dependency the test names (e.g. `tsx`) links to ours.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** This repository's root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a child Node process did. */
export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A consumer project in a temporary directory; `remove()` deletes it. */
export class Consumer {
  readonly dir: string;
  #last: ChildProcess | undefined;

  constructor(links: string[] = []) {
    this.dir = mkdtempSync(join(tmpdir(), "dspex-consumer-"));
    mkdirSync(join(this.dir, "node_modules"));
    symlinkSync(ROOT, join(this.dir, "node_modules", "dspex"), "dir");
    for (const name of links)
      symlinkSync(join(ROOT, "node_modules", name), join(this.dir, "node_modules", name), "dir");
    this.write("package.json", JSON.stringify({ name: "consumer", private: true }));
  }

  /** Writes a file of the project. */
  write(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Runs `node ...args` in the project on the running Node; never rejects (the exit is in the result). */
  run(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
    return new Promise((resolve) => {
      this.#last = execFile(
        process.execPath,
        args,
        { cwd: this.dir, timeout: options.timeoutMs ?? 20_000, env: options.env ?? process.env },
        (error, stdout, stderr) => {
          const failed = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
          resolve({
            code: failed === null ? 0 : typeof failed.code === "number" ? failed.code : null,
            signal: failed?.signal ?? null,
            stdout,
            stderr,
          });
        },
      );
    });
  }

  /** Sends `signal` to the process started last by {@link run}. */
  signal(signal: NodeJS.Signals): void {
    this.#last?.kill(signal);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
