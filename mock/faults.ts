/**
 * The scripted faults of a mock server: an ordered list of (fault, remaining uses, filters). The first
 * entry that matches a request is used once; entries that reach zero uses are removed.
 */
import type { Fault, FaultOptions } from "./types.js";

interface ScriptedFault {
  fault: Fault;
  remaining: number;
  model: string | undefined;
  path: string | undefined;
}

/** True for the faults that only make sense on a streamed answer. */
export function isStreamFault(fault: Fault): boolean {
  return fault.kind === "stream_stall" || fault.kind === "stream_error" || fault.kind === "stream_drop";
}

/** The fault book: `add` scripts, `take` consumes. */
export class FaultBook {
  #entries: ScriptedFault[] = [];

  /** Scripts `fault` for the next `opts.times` matching requests (default: until cleared). */
  add(fault: Fault, opts: FaultOptions = {}): void {
    const times = opts.times ?? Number.POSITIVE_INFINITY;
    if (!(times > 0)) return;
    this.#entries.push({ fault, remaining: times, model: opts.model, path: opts.path });
  }

  /** Removes every scripted fault. */
  clear(): void {
    this.#entries = [];
  }

  /**
   * The fault for this request, if any, using it up once. Stream faults skip requests that do not stream,
   * so a test scripting a stream fault cannot lose it to a plain call.
   */
  take(path: string, model: string | undefined, stream: boolean): Fault | undefined {
    const entries = this.#entries;
    if (entries.length === 0) return undefined;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as ScriptedFault;
      if (entry.model !== undefined && entry.model !== model) continue;
      if (entry.path !== undefined && path !== entry.path && !path.endsWith(entry.path)) continue;
      if (!stream && isStreamFault(entry.fault)) continue;
      entry.remaining--;
      if (entry.remaining <= 0) entries.splice(i, 1);
      return entry.fault;
    }
    return undefined;
  }
}

/** The retry headers a `rate_limit` fault asked for, plus its extra headers; nothing it did not ask for. */
export function retryHeaders(fault: Extract<Fault, { kind: "rate_limit" }>): Record<string, string> {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
  if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
  else if (fault.retryAfterDate !== undefined) headers["retry-after"] = fault.retryAfterDate.toUTCString();
  return headers;
}
