/**
 * The checks a vendor makes before it looks at what a request asks: a path no API lives at (404), a
 * method other than POST (405), a missing or wrong API key (401), a header the vendor requires (400),
 * a body that is not JSON (400). A request one of them refuses is answered at once, and is not
 * charged against the key's limits.
 */
import type { IncomingMessage } from "node:http";
import type { Arrival } from "./WireRouter.js";
import type { WireFormat } from "./wire.js";

/** A refusal: its status and body, in the format of `wire`. */
export interface Refusal {
  readonly wire: WireFormat;
  readonly status: number;
  readonly body: unknown;
}

/**
 * The first check `arrival` fails, or `undefined` when it passes them all. `fallback` writes the 404
 * of a path no wire format takes; `apiKey` (when set) is the one key the mock accepts.
 */
export function vendorRefusal(
  req: IncomingMessage,
  path: string,
  arrival: Arrival,
  apiKey: string | undefined,
  fallback: WireFormat,
): Refusal | undefined {
  const wire = arrival.wire;
  if (wire === undefined)
    return {
      wire: fallback,
      status: 404,
      body: fallback.errorBody(404, `Invalid URL (${req.method} ${path})`, "unknown_url"),
    };
  if (req.method !== "POST")
    return { wire, status: 405, body: wire.errorBody(405, `Method ${req.method} not allowed; use POST.`) };
  if (apiKey !== undefined && !wire.authorized(req.headers, apiKey))
    return { wire, status: 401, body: wire.errorBody(401) };
  const headerProblem = wire.headerProblem(req.headers);
  if (headerProblem !== undefined)
    return {
      wire,
      status: 400,
      body: wire.errorBody(400, headerProblem.problem, undefined, headerProblem.param),
    };
  if (arrival.unparseable)
    return {
      wire,
      status: 400,
      body: wire.errorBody(400, "We could not parse the JSON body of your request."),
    };
  return undefined;
}
