/**
 * Last line of defence for secrets: every text that leaves a worker or reaches a caller (error
 * messages, event payloads) passes through {@link redact} with the client's API key.
 */

const MASK = "[redacted]";

/** Replaces every occurrence of `secret` (and of its `Bearer ` form) in `text`. */
export function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  return text.includes(secret) ? text.split(secret).join(MASK) : text;
}
