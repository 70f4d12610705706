/**
 * The first look at a request body, before any fault or check: parsed JSON plus the two fields that
 * fault matching and the request log need. Malformed bodies are not an error here; the wire format
 * refuses them later (after any scripted fault has had its turn).
 */

/** What the server reads from every body. */
export interface RequestBody {
  /** The parsed JSON; `undefined` when empty or not JSON. */
  body: unknown;
  /** The body was present but not JSON. */
  unparseable: boolean;
  /** `body.model` when it is a string. */
  model: string | undefined;
  /** `body.stream === true`. */
  stream: boolean;
}

/** Parses `text` once; never throws. */
export function readBody(text: string): RequestBody {
  let body: unknown;
  let unparseable = false;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      unparseable = true;
    }
  }
  const fields =
    body !== null && typeof body === "object" ? (body as { model?: unknown; stream?: unknown }) : {};
  return {
    body,
    unparseable,
    model: typeof fields.model === "string" ? fields.model : undefined,
    stream: fields.stream === true,
  };
}
