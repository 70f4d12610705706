/**
 * Splits the inputs an `embed` sends upstream into the provider's batches: at most `maxInputs` per
 * request, and (OpenAI: 300,000) at most `maxTokens` estimated input tokens summed per request. The
 * estimate is the worker's characters-per-token ratio (`traffic/TokenEstimate.ts`, 4 until it learns),
 * kept 10 % under the cap because it is only an estimate. An input past the cap on its own goes alone
 * (the vendor judges it). Order is kept.
 */

/** Room left under a token cap for the estimate's error. */
const TOKEN_MARGIN = 0.9;

/** Batches of `items` by `textOf`'s length; see the module comment. */
export function splitBatches<T>(
  items: readonly T[],
  textOf: (item: T) => string,
  maxInputs: number,
  maxTokens: number | undefined,
  charsPerToken: number,
): T[][] {
  const cap = maxTokens === undefined ? Number.POSITIVE_INFINITY : maxTokens * TOKEN_MARGIN;
  const out: T[][] = [];
  let batch: T[] = [];
  let tokens = 0;
  for (const item of items) {
    const estimate = textOf(item).length / charsPerToken;
    if (batch.length > 0 && (batch.length >= maxInputs || tokens + estimate > cap)) {
      out.push(batch);
      batch = [];
      tokens = 0;
    }
    batch.push(item);
    tokens += estimate;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
