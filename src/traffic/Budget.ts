/**
 * A spending budget over a sliding window: at most `usd` US dollars in any `perMs` milliseconds. A call
 * whose estimated cost would take the spending past it is refused before anything is sent
 * (`ERR_BUDGET_EXCEEDED`); what an answer really cost is recorded when it lands.
 */
import type { BudgetSettings } from "../types.js";

/** See the module comment. */
export class Budget {
  /** Spends in the window, oldest first: [epoch ms, usd]. */
  readonly #spends: [number, number][] = [];
  #spent = 0;

  constructor(
    readonly settings: BudgetSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Dollars spent in the window now. */
  spent(): number {
    const horizon = this.clock() - this.settings.perMs;
    const spends = this.#spends;
    while (spends.length > 0 && (spends[0] as [number, number])[0] <= horizon) {
      this.#spent -= (spends.shift() as [number, number])[1];
    }
    if (spends.length === 0) this.#spent = 0; // no float drift once the window is empty
    return this.#spent;
  }

  /** Dollars left in the window. */
  left(): number {
    return Math.max(0, this.settings.usd - this.spent());
  }

  /** True when a call estimated at `usd` fits. */
  allows(usd: number): boolean {
    const spent = this.spent();
    return spent < this.settings.usd && spent + usd <= this.settings.usd;
  }

  /** Records what an answer cost. */
  record(usd: number): void {
    if (!(usd > 0)) return;
    this.#spends.push([this.clock(), usd]);
    this.#spent += usd;
  }
}
