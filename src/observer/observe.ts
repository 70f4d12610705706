/**
 * `system.observe()`: the live observer of a system (see docs/observability.md). Builds the model
 * (which subscribes to the call channels, so calls are timed while an observer is open) and the
 * server, and ties their lives together.
 */
import { dspexError } from "../errors.js";
import type { NodeSnapshot } from "../types.js";
import { ObserverModel } from "./ObserverModel.js";
import { type ObserveOptions, type Observer, startObserver } from "./ObserverServer.js";

/** What `observe` needs from a system. */
export interface Observable {
  inspect(): NodeSnapshot;
  kill(client: string): Promise<void>;
  clearCache(client: string): Promise<number | undefined>;
  onEvent(listener: (event: { type: string }) => void): () => void;
}

/** Validates `options` and starts an observer of `system`. */
export async function observe(system: Observable, options: unknown = {}): Promise<Observer> {
  const checked = checkOptions(options);
  const model = new ObserverModel(() => system.inspect());
  try {
    const server = await startObserver(
      {
        snapshot: () => model.snapshot(),
        kill: (name) => system.kill(name),
        clearCache: (name) => system.clearCache(name),
        onEvent: (listener) => system.onEvent(listener),
      },
      checked,
    );
    return {
      url: server.url,
      close: async () => {
        model.close();
        await server.close();
      },
    };
  } catch (error) {
    model.close();
    throw error;
  }
}

function checkOptions(options: unknown): ObserveOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options))
    throw dspexError("ERR_INVALID_ARGUMENT", "observe(options): options must be an object");
  const { port, intervalMs, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw dspexError("ERR_INVALID_ARGUMENT", `observe(options): unknown option "${unknown[0]}"`);
  const out: ObserveOptions = {};
  if (port !== undefined) {
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65_535)
      throw dspexError("ERR_INVALID_ARGUMENT", "observe(options): port must be an integer from 0 to 65535");
    out.port = port;
  }
  if (intervalMs !== undefined) {
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 50)
      throw dspexError("ERR_INVALID_ARGUMENT", "observe(options): intervalMs must be a number >= 50");
    out.intervalMs = intervalMs;
  }
  return out;
}
