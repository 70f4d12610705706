/**
 * The mock's answer to a request for structured output: a deterministic JSON value that satisfies the
 * request's JSON Schema, so a client's `schema` validation passes against the mock the way it would
 * against a vendor honouring the schema. Covers what schema converters emit (zod, valibot, arktype):
 * `type` (also as a list), `properties`, `items`, `enum`, `const`, `anyOf`/`oneOf`/`allOf`, local
 * `$ref`s, string `format`s, and numeric and length bounds.
 */

type Schema = { [key: string]: unknown };
/** A JSON value. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Deepest nesting followed (recursive schemas end in `null` or the empty value of their type). */
const MAX_DEPTH = 16;
/** Above this depth arrays get only their required items. */
const SHALLOW = 4;

/** The JSON Schema a request asks its answer to follow, in any of the three vendors' shapes; else undefined. */
export function requestedSchema(body: Record<string, unknown>): Schema | undefined {
  const format = body.response_format ?? body.output_format;
  if (isSchema(format)) {
    if (format.type === "json_schema") {
      const inner = format.json_schema;
      if (isSchema(inner) && isSchema(inner.schema)) return inner.schema;
      if (isSchema(format.schema)) return format.schema;
    }
    if (format.type === "json_object") return {};
  }
  const output = body.output_config;
  if (isSchema(output) && isSchema(output.format) && isSchema(output.format.schema))
    return output.format.schema;
  const config = body.generationConfig;
  if (isSchema(config)) {
    const schema = config.responseJsonSchema ?? config.responseSchema;
    if (isSchema(schema)) return schema;
  }
  return undefined;
}

/** A JSON value valid against `schema` (root `$defs`/`definitions` resolve `$ref`s). */
export function sampleJson(schema: Schema): Json {
  return sample(schema, schema, 0);
}

function sample(schema: Schema, root: Schema, depth: number): Json {
  if (depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === "string") return sample(resolve(schema.$ref, root), root, depth + 1);
  if ("const" in schema) return schema.const as Json;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as Json;
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      // Prefer a branch that is not `null`, so optional fields still show their shape.
      const branch = options.find((o) => isSchema(o) && o.type !== "null") ?? options[0];
      return sample(branch as Schema, root, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = {};
    for (const part of schema.allOf) if (isSchema(part)) Object.assign(merged, part);
    return sample(merged, root, depth + 1);
  }
  const type = Array.isArray(schema.type)
    ? ((schema.type.find((t) => t !== "null") ?? "null") as string)
    : (schema.type as string | undefined);
  switch (type ?? (isSchema(schema.properties) ? "object" : undefined)) {
    case "object": {
      const out: { [key: string]: Json } = {};
      const properties = isSchema(schema.properties) ? schema.properties : {};
      for (const [key, sub] of Object.entries(properties)) {
        if (isSchema(sub)) out[key] = sample(sub, root, depth + 1);
      }
      return out;
    }
    case "array": {
      const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : undefined;
      if (items !== undefined) return items.map((item) => sample(item as Schema, root, depth + 1));
      if (!isSchema(schema.items)) return [];
      const item = schema.items;
      // One item shows the shape; deep down (recursive schemas) only as many as required, so it ends.
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      const length = Math.max(min, depth < SHALLOW ? 1 : 0);
      return Array.from({ length }, () => sample(item, root, depth + 1));
    }
    case "string":
      return sampleString(schema);
    case "integer":
    case "number":
      return sampleNumber(schema, type === "integer");
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return null;
  }
}

function sampleString(schema: Schema): string {
  switch (schema.format) {
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "date":
      return "2026-01-01";
    case "time":
      return "00:00:00";
    case "email":
      return "mock@example.com";
    case "uri":
    case "url":
      return "https://example.com/";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    default: {
      const min = typeof schema.minLength === "number" ? schema.minLength : 0;
      const max = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
      const text = "mock".padEnd(min, "x");
      return text.length > max ? text.slice(0, max) : text;
    }
  }
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const lower = numeric(schema.minimum) ?? plusEpsilon(numeric(schema.exclusiveMinimum), integer);
  const upper = numeric(schema.maximum) ?? minusEpsilon(numeric(schema.exclusiveMaximum), integer);
  let value = lower ?? (upper !== undefined ? Math.min(1, upper) : 1);
  if (integer) value = Math.ceil(value);
  return value;
}

function plusEpsilon(value: number | undefined, integer: boolean): number | undefined {
  return value === undefined ? undefined : integer ? Math.floor(value) + 1 : value + 0.5;
}

function minusEpsilon(value: number | undefined, integer: boolean): number | undefined {
  return value === undefined ? undefined : integer ? Math.ceil(value) - 1 : value - 0.5;
}

function numeric(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Resolves a local `$ref` (`#`, `#/$defs/x`, `#/definitions/x`); anything else is `{}`. */
function resolve(ref: string, root: Schema): Schema {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return {};
  let at: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    if (!isSchema(at)) return {};
    at = at[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return isSchema(at) ? at : {};
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
