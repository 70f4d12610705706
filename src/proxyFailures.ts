/**
 * The errors a client's proxy settles calls with on its own, without a worker's answer: a call
 * refused at admission (the client is retired, or its mailbox is at its bound), a call cut by its
 * worker's exit and not delivered again, a call that could not cross to its worker, and the calls
 * failed by retirement. Pure builders: the proxy decides *when*; this module says *what*.
 */

import type { Pending } from "./CallTable.js";
import { type DspexError, dspexError } from "./errors.js";

/**
 * Why a worker's calls were cut when it exited: it `crash`ed (or was killed); it was stopped to be
 * `restart`ed (a healthy sibling stopped by its supervisor's strategy: not a crash); or it was
 * `stop`ped for good (the system or its supervisor stopping).
 */
export type ExitCause = "crash" | "restart" | "stop";

/** The code a retired client fails its calls with. */
export type RetiredCode = "ERR_CLIENT_UNAVAILABLE" | "ERR_SYSTEM_STOPPED";

/** A new call to a retired client (never sent to a worker). */
export function retiredRefusal(client: string, code: RetiredCode): DspexError {
  return dspexError(code, undefined, { client, deliveries: 0 });
}

/** A pending call failed by retirement (`retire`): the client will not come back. */
export function retiredFailure(client: string, code: RetiredCode, deliveries: number): DspexError {
  const message =
    code === "ERR_SYSTEM_STOPPED"
      ? `client "${client}": the system stopped`
      : `client "${client}" is not running and will not be restarted`;
  return dspexError(code, message, { client, deliveries });
}

/** A new call refused because `size` calls are pending, at the bound `maxConcurrency + maxQueue`. */
export function queueFullRefusal(
  client: string,
  size: number,
  maxConcurrency: number,
  maxQueue: number,
): DspexError {
  return dspexError(
    "ERR_QUEUE_FULL",
    `client "${client}" has ${size} calls pending (maxConcurrency ${maxConcurrency} + maxQueue ${maxQueue})`,
    { client, deliveries: 0 },
  );
}

/** A call whose message could not be cloned to its worker (see `Outbox`). */
export function undeliverableFailure(client: string, error: unknown): DspexError {
  const why = error instanceof Error ? error.message : String(error);
  return dspexError(
    "ERR_INVALID_ARGUMENT",
    `client "${client}": the call could not cross to its worker (${why})`,
    { client, field: "messages", deliveries: 0 },
  );
}

/**
 * The error a call cut by its worker's exit fails with, or `undefined` when it is held again (see
 * docs/supervision.md, "Delivery guarantees"): a call that asked `redeliver: "never"`, or a stream
 * the caller has already read from, fails; after a `crash` a call is redelivered while it has
 * crashes left (`maxRedeliveries`), else it fails with `ERR_WORKER_CRASHED`; after a `restart` or a
 * `stop` it is held without spending that budget.
 */
export function cutFailure(
  client: string,
  pending: Pending,
  cause: ExitCause,
  maxRedeliveries: number,
): DspexError | undefined {
  const stopped = cause === "stop";
  const code = stopped ? "ERR_SYSTEM_STOPPED" : "ERR_WORKER_CRASHED";
  let why: string;
  if (!pending.redeliverable()) why = "part of the answer had already been received";
  else if (pending.redeliver === "never") why = 'the call asked for redeliver: "never"';
  else if (cause === "crash" && pending.crashes > maxRedeliveries)
    why = `its redeliveries are used up (maxRedeliveries ${maxRedeliveries})`;
  else return undefined;
  const what =
    cause === "crash"
      ? "the worker died"
      : cause === "restart"
        ? "the worker was stopped by its supervisor's restart strategy"
        : "the worker was stopped";
  const times = pending.deliveries === 1 ? "once" : `${pending.deliveries} times`;
  return dspexError(
    code,
    `client "${client}": ${what} with the call in flight and it may have reached upstream (delivered ${times}); not delivered again: ${why}`,
    { client, deliveries: pending.deliveries, mayHaveReachedUpstream: true },
  );
}
