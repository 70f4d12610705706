/**
 * Structured output on the caller's thread: the call option `schema` (any Standard Schema: zod 4,
 * valibot, arktype, ...) becomes a JSON Schema sent as the response format, and the answer's JSON is
 * validated against the schema when the reply arrives. The schema object never crosses a thread:
 * only its JSON Schema (plain data) goes to the worker, and validation runs here.
 *
 * Where the JSON Schema comes from, in order:
 * 1. the call's explicit `jsonSchema` option (for libraries that offer no conversion, or to hand-tune);
 * 2. the Standard JSON Schema interface, `schema["~standard"].jsonSchema.input(...)` (zod >= 4.2,
 *    arktype, valibot with its adapter, ...): the *input* side, since the model writes what the
 *    schema then parses;
 * 3. zod 4's `toJSONSchema` for zod versions that predate that interface (`~standard.vendor` "zod";
 *    zod is then imported from the caller's installation);
 * otherwise the call rejects with `ERR_INVALID_ARGUMENT` asking for `jsonSchema`.
 *
 * The JSON Schema is computed once per schema object (a WeakMap), not once per call.
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { BadOutputError, invalidArgument, type OutputIssue } from "./errors.js";
import type { Json } from "./types.js";

/** The response-format name OpenAI requires (`^[a-zA-Z0-9_-]{1,64}$`); from the schema's `title` when it fits. */
const DEFAULT_NAME = "output";
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const converted = new WeakMap<object, { [key: string]: Json }>();

/** A call's structured-output contract: what to send, and how to read the answer. */
export class StructuredOutput<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** The schema the answer must satisfy (stays on this thread). */
  readonly schema: S;
  /** The OpenAI-shaped response format sent with the call (providers translate it). */
  readonly responseFormat: { [key: string]: Json };

  constructor(schema: S, jsonSchema: { [key: string]: Json }) {
    this.schema = schema;
    const title = jsonSchema.title;
    const name = typeof title === "string" && NAME.test(title) ? title : DEFAULT_NAME;
    this.responseFormat = { type: "json_schema", json_schema: { name, schema: jsonSchema } };
  }

  /**
   * Parses and validates the answer's text: the schema's output value, or `ERR_BAD_OUTPUT` carrying
   * the issues and the raw text.
   */
  async parse(text: string): Promise<StandardSchemaV1.InferOutput<S>> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badOutput([{ message: `the answer is not JSON (${(error as Error).message})` }], text);
    }
    const result = await this.schema["~standard"].validate(value);
    if (result.issues !== undefined) throw badOutput(result.issues.map(plainIssue), text);
    return result.value as StandardSchemaV1.InferOutput<S>;
  }
}

/**
 * Builds the structured-output contract of a call from its `schema` and `jsonSchema` options; throws
 * `ERR_INVALID_ARGUMENT` when `schema` is not a Standard Schema or no JSON Schema can be had for it.
 */
export async function structuredOutput(schema: unknown, jsonSchema: unknown): Promise<StructuredOutput> {
  if (!isStandardSchema(schema)) {
    throw invalidArgument(
      "options.schema",
      "must be a Standard Schema (an object with `~standard.validate`)",
    );
  }
  if (jsonSchema !== undefined) {
    if (!isJsonObject(jsonSchema))
      throw invalidArgument("options.jsonSchema", "must be a JSON Schema object");
    return new StructuredOutput(schema, jsonSchema);
  }
  const known = converted.get(schema);
  if (known !== undefined) return new StructuredOutput(schema, known);
  const made = await toJsonSchema(schema);
  converted.set(schema, made);
  return new StructuredOutput(schema, made);
}

async function toJsonSchema(schema: StandardSchemaV1): Promise<{ [key: string]: Json }> {
  const standard = schema["~standard"] as StandardSchemaV1.Props & Partial<StandardJSONSchemaV1.Props>;
  const vendor = standard.vendor;
  try {
    if (standard.jsonSchema !== undefined)
      return plainJson(standard.jsonSchema.input({ target: "draft-2020-12" }));
    if (vendor === "zod") {
      // zod 4.0/4.1 have no `~standard.jsonSchema` yet; their own converter reads the schema's internals.
      const zod = (await import("zod" as string)) as { toJSONSchema?: (s: unknown, o?: object) => unknown };
      if (typeof zod.toJSONSchema === "function") return plainJson(zod.toJSONSchema(schema, { io: "input" }));
    }
  } catch (error) {
    throw invalidArgument(
      "options.schema",
      `could not be turned into JSON Schema (${(error as Error).message}); pass \`jsonSchema\` alongside it`,
    );
  }
  throw invalidArgument(
    "options.schema",
    `a ${vendor} schema offers no JSON Schema conversion (\`~standard.jsonSchema\`); pass \`jsonSchema\` alongside it`,
  );
}

function badOutput(issues: OutputIssue[], text: string): BadOutputError {
  const first = issues[0];
  const where = first?.path === undefined || first.path.length === 0 ? "" : ` at ${first.path.join(".")}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new BadOutputError({
    code: "ERR_BAD_OUTPUT",
    message: `the answer did not validate against the schema: ${first?.message ?? "invalid"}${where}${more}`,
    issues,
    text,
  });
}

/** A Standard Schema issue as plain data (path segments may be objects with a `key`). */
function plainIssue(issue: StandardSchemaV1.Issue): OutputIssue {
  const out: OutputIssue = { message: issue.message };
  if (issue.path !== undefined && issue.path.length > 0) {
    out.path = issue.path.map((segment) => {
      const key = typeof segment === "object" && segment !== null ? segment.key : segment;
      return typeof key === "number" ? key : String(key);
    });
  }
  return out;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const standard = (value as { "~standard"?: unknown })["~standard"];
  return (
    typeof standard === "object" &&
    standard !== null &&
    typeof (standard as { validate?: unknown }).validate === "function"
  );
}

function isJsonObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A converter's output as plain JSON (drops `undefined`, functions; fails on cycles). */
function plainJson(value: unknown): { [key: string]: Json } {
  const json = JSON.parse(JSON.stringify(value)) as unknown;
  if (!isJsonObject(json)) throw new Error("the converter did not return an object");
  // Which draft it follows is ours to know, not the vendor's: some reject the keyword.
  delete json.$schema;
  return json;
}
