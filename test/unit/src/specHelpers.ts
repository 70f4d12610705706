/** Spec builders shared by the spec tests (not a test: no `.test.ts`). */
import { expect } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { resolveSystemSpec } from "../../../src/SystemSpec.js";
import type { SystemSpec } from "../../../src/types.js";

/** An OpenAI client spec named `name`, with `extra` keys merged over it. */
export const client = (name: string, extra: object = {}) => ({
  name,
  provider: "openai" as const,
  model: "m",
  apiKey: "sk-test",
  ...extra,
});

/** The `field` an `ERR_INVALID_ARGUMENT` names for `spec` (`undefined` when the spec is accepted). */
export function fieldOf(spec: unknown): string | undefined {
  try {
    resolveSystemSpec(spec as SystemSpec);
  } catch (error) {
    expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    return (error as { field?: string }).field;
  }
  return undefined;
}
