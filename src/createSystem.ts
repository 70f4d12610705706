/**
 * `createSystem`: the front door of dspex. It validates the spec and the options that are not part of
 * the tree, picks how worker threads start (the warm spawner for the real worker, an injected spawner
 * for tests' fixture workers), and starts the {@link System}.
 */
import { CALLER_STACKS_DEFAULT } from "./CallerStack.js";
import { DEFAULTS } from "./defaults.js";
import { invalidArgument } from "./errors.js";
import type { ClientNames } from "./names.js";
import { System } from "./System.js";
import { resolveSystemSpec } from "./SystemSpec.js";
import type { SystemSpec } from "./specTypes.js";
import type { TelemetryOptions } from "./telemetry/Telemetry.js";
import { WarmSpawner } from "./WarmSpawner.js";
import { defaultSpawner, type WorkerSpawner } from "./WorkerSpawner.js";

/** Options of {@link createSystem} that are not part of the tree. */
export interface SystemOptions {
  /** Starts worker threads (default: the real client worker). Tests inject fixture workers here. */
  spawner?: WorkerSpawner;
  /**
   * Keep one pre-loaded standby worker so that a restart skips module loading (one idle thread per
   * system, started once the tree is up). Default `DEFAULTS.system.warmSpare`; the figures behind it are
   * in docs/decisions.md. Ignored when `spawner` is given. See src/WarmSpawner.ts.
   */
  warmSpare?: boolean;
  /**
   * Give each error the stack of the caller's `call` / `stream` (captured at admission; a few µs per
   * call, see src/CallerStack.ts). Default: on unless `NODE_ENV === "production"`.
   */
  callerStacks?: boolean;
  /**
   * The Node.js flags of every client worker. Default: the host's own flags that a worker can take
   * (preloads such as `--import tsx` included; entry-point, inspector, watch and test flags left out;
   * see src/hostFlags.ts). `[]` starts workers with no flags. Ignored when `spawner` is given.
   */
  workerExecArgv?: readonly string[];
  /**
   * OpenTelemetry settings (see docs/observability.md), or `false` to turn every telemetry hook off.
   * By default dspex reports to the globally registered providers when `@opentelemetry/api` is
   * installed, and costs nothing when no SDK is registered.
   */
  telemetry?: TelemetryOptions | false;
}

/**
 * Validates `spec`, starts the tree, and resolves once every client is ready. A spec written as a
 * literal types the system with its client names ({@link ClientNames}); a spec typed `SystemSpec`
 * gives a `System<string>`.
 */
export async function createSystem<const S extends SystemSpec>(
  spec: S,
  options: SystemOptions = {},
): Promise<System<ClientNames<S>>> {
  const resolved = resolveSystemSpec(spec);
  const execArgv = options.workerExecArgv;
  if (execArgv !== undefined && (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === "string")))
    throw invalidArgument("options.workerExecArgv", "must be an array of strings");
  // The real worker's threads boot ahead of their start (see src/WarmSpawner.ts); injected spawners'
  // fixture workers are started one at a time, as they are given.
  const warm =
    options.spawner === undefined
      ? new WarmSpawner(undefined, execArgv, { spare: options.warmSpare ?? DEFAULTS.system.warmSpare })
      : undefined;
  const stacks = options.callerStacks ?? CALLER_STACKS_DEFAULT;
  return System.create<ClientNames<S>>(
    resolved,
    options.spawner ?? warm?.spawn ?? defaultSpawner,
    warm,
    stacks,
    options.telemetry,
  );
}
