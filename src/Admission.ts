/**
 * Whether a new call, stream or `embed` of one client may proceed, decided on the main thread before
 * anything is numbered or sent: a retired client refuses, a client whose calls fill its bound
 * (`maxConcurrency + maxQueue`) refuses with `ERR_QUEUE_FULL`, and a call that would overrun the
 * client's budget refuses with `ERR_BUDGET_EXCEEDED`. Each refusal is counted as that call's failure,
 * since the caller sees it as one.
 */

import type { CallTable } from "./CallTable.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { DspexError } from "./errors.js";
import { queueFullRefusal, type RetiredCode, retiredRefusal } from "./proxyFailures.js";
import type { StatsMirror } from "./StatsMirror.js";
import type { ClientTraffic } from "./traffic/ClientTraffic.js";
import type { WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";

/** The admission checks of one client; see the module comment. */
export class Admission {
  readonly #name: string;
  readonly #spec: ResolvedClientSpec;
  readonly #mirror: StatsMirror;
  readonly #table: CallTable;
  readonly #traffic: ClientTraffic;

  constructor(spec: ResolvedClientSpec, mirror: StatsMirror, table: CallTable, traffic: ClientTraffic) {
    this.#name = spec.name;
    this.#spec = spec;
    this.#mirror = mirror;
    this.#table = table;
    this.#traffic = traffic;
  }

  /**
   * The error a new call or stream gets right now (counted), or `undefined` when it may proceed.
   * `retired` is the client's retirement code while it is retired.
   */
  callRefusal(
    retired: RetiredCode | undefined,
    messages: WireMessage[],
    options: SplitOptions,
  ): DspexError | undefined {
    return this.#refusal(retired) ?? this.#overBudget(messages, options);
  }

  /** The error a new `embed` gets right now (counted), or `undefined` when it may proceed. */
  embedRefusal(retired: RetiredCode | undefined, inputs: readonly string[]): DspexError | undefined {
    return this.#refusal(retired) ?? this.#overEmbedBudget(inputs);
  }

  /** Retirement or a full mailbox (counted), or `undefined`. */
  #refusal(retired: RetiredCode | undefined): DspexError | undefined {
    if (retired !== undefined) {
      this.#mirror.countError(retired);
      return retiredRefusal(this.#name, retired);
    }
    const size = this.#table.size;
    const { maxConcurrency, maxQueue } = this.#spec;
    if (size >= maxConcurrency + maxQueue) {
      this.#mirror.countError("ERR_QUEUE_FULL");
      return queueFullRefusal(this.#name, size, maxConcurrency, maxQueue);
    }
    return undefined;
  }

  /** A budget refusal (counted), or `undefined` (no budget, or the call fits). */
  #overBudget(messages: WireMessage[], options: SplitOptions): DspexError | undefined {
    if (this.#spec.budget === undefined) return undefined;
    const refused = this.#traffic.budgetRefusal(messages, options.params);
    if (refused !== undefined) this.#mirror.countError("ERR_BUDGET_EXCEEDED");
    return refused;
  }

  /** A budget refusal of an `embed` (counted), or `undefined`. */
  #overEmbedBudget(inputs: readonly string[]): DspexError | undefined {
    if (this.#spec.budget === undefined) return undefined;
    const refused = this.#traffic.embedBudgetRefusal(inputs);
    if (refused !== undefined) this.#mirror.countError("ERR_BUDGET_EXCEEDED");
    return refused;
  }
}
