/**
 * The traffic settings of a client (`limits`, `pricing`, `budget`) and of a router (`budget`): how
 * each is checked. Every number is bounded; unknown keys are refused, naming the closest known one.
 */
import { type Fields, int, num, objectOr, rejectUnknownKeys } from "../../supervisor/specFields.js";
import { invalidArgument } from "../errors.js";
import type { BudgetSettings, ClientLimits, ModelPricing } from "../types.js";

const LIMIT_FIELDS = ["rpm", "tpm", "firstContactMs"];
const PRICING_FIELDS = ["inputPerMTok", "outputPerMTok", "cachedInputPerMTok", "cacheWritePerMTok"];
const BUDGET_FIELDS = ["usd", "perMs"];

function group(value: unknown, known: readonly string[], path: string): Fields {
  const fields = objectOr(value, path);
  rejectUnknownKeys(fields, known, path);
  return fields;
}

/** `limits: { rpm?, tpm?, firstContactMs? }`; `undefined` when absent (limits are then learned from the vendor's headers). */
export function resolveRateLimits(value: unknown, path: string): ClientLimits | undefined {
  if (value === undefined) return undefined;
  const l = group(value, LIMIT_FIELDS, path);
  const out: ClientLimits = {};
  if (l.rpm !== undefined) out.rpm = num(l.rpm, 0, `${path}.rpm`, 0.001, 1e9);
  if (l.tpm !== undefined) out.tpm = num(l.tpm, 0, `${path}.tpm`, 1, 1e12);
  if (l.firstContactMs !== undefined)
    out.firstContactMs = int(l.firstContactMs, 0, `${path}.firstContactMs`, 0, 600_000);
  return out;
}

/** `pricing`: US dollars per million tokens, input and output required. */
export function resolvePricing(value: unknown, path: string): ModelPricing | undefined {
  if (value === undefined) return undefined;
  const p = group(value, PRICING_FIELDS, path);
  if (p.inputPerMTok === undefined) throw invalidArgument(`${path}.inputPerMTok`, "is required");
  if (p.outputPerMTok === undefined) throw invalidArgument(`${path}.outputPerMTok`, "is required");
  const out: ModelPricing = {
    inputPerMTok: num(p.inputPerMTok, 0, `${path}.inputPerMTok`, 0, 1e6),
    outputPerMTok: num(p.outputPerMTok, 0, `${path}.outputPerMTok`, 0, 1e6),
  };
  if (p.cachedInputPerMTok !== undefined)
    out.cachedInputPerMTok = num(p.cachedInputPerMTok, 0, `${path}.cachedInputPerMTok`, 0, 1e6);
  if (p.cacheWritePerMTok !== undefined)
    out.cacheWritePerMTok = num(p.cacheWritePerMTok, 0, `${path}.cacheWritePerMTok`, 0, 1e6);
  return out;
}

/** `budget: { usd, perMs }`, both required. */
export function resolveBudget(value: unknown, path: string): BudgetSettings | undefined {
  if (value === undefined) return undefined;
  const b = group(value, BUDGET_FIELDS, path);
  if (b.usd === undefined) throw invalidArgument(`${path}.usd`, "is required");
  if (b.perMs === undefined) throw invalidArgument(`${path}.perMs`, "is required");
  return {
    usd: num(b.usd, 0, `${path}.usd`, 0, 1e9),
    perMs: int(b.perMs, 0, `${path}.perMs`, 1, 366 * 86_400_000),
  };
}
