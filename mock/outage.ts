/**
 * A provider that is down or overloaded for a while: every request that arrives (for one model or path,
 * or all) until the outage ends gets a 503 (`down`) or a 529 (`overloaded`, Anthropic's
 * `overloaded_error`) in the vendor's error format. Unlike a scripted fault, an outage is bounded by
 * time, not by a count, as real ones are.
 */
import type { MockOutage } from "./types.js";

interface ActiveOutage {
  kind: MockOutage["kind"];
  until: number;
  model: string | undefined;
  path: string | undefined;
}

/** The status an outage answers with. */
export function outageStatus(kind: MockOutage["kind"]): number {
  return kind === "down" ? 503 : 529;
}

/** The outages in force; see the module comment. */
export class Outages {
  #entries: ActiveOutage[] = [];

  /** Starts an outage of `forMs` from `now`. */
  add(outage: MockOutage, now: number): void {
    this.#entries.push({
      kind: outage.kind,
      until: now + outage.forMs,
      model: outage.model,
      path: outage.path,
    });
  }

  /** Ends every outage. */
  clear(): void {
    this.#entries = [];
  }

  /** The outage this request meets, if any (expired ones are dropped on the way). */
  match(path: string, model: string | undefined, now: number): MockOutage["kind"] | undefined {
    if (this.#entries.length === 0) return undefined;
    this.#entries = this.#entries.filter((entry) => entry.until > now);
    for (const entry of this.#entries) {
      if (entry.model !== undefined && entry.model !== model) continue;
      if (entry.path !== undefined && path !== entry.path && !path.endsWith(entry.path)) continue;
      return entry.kind;
    }
    return undefined;
  }
}
