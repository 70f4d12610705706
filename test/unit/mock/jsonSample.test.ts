/**
 * The mock's structured answers: for every schema, the sample validates against it (checked by ajv,
 * an independent validator), and the request shapes of the three vendors are recognised.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { requestedSchema, sampleJson } from "../../../mock/jsonSample.js";

const ajv = new Ajv2020({ strict: false, validateFormats: false });

const Node: z.ZodType<{ name: string; children: { name: string }[] }> = z.object({
  name: z.string(),
  get children() {
    return z.array(Node);
  },
});

const schemas: Record<string, Record<string, unknown>> = {
  bounds: z.toJSONSchema(
    z.object({
      id: z.uuid(),
      when: z.iso.datetime(),
      count: z.number().int().gt(3).lt(9),
      score: z.number().max(-2),
      code: z.string().min(6).max(8),
      tags: z.array(z.string()).min(2),
    }),
  ),
  unions: z.toJSONSchema(
    z.object({
      kind: z.literal("a"),
      mode: z.enum(["x", "y"]),
      either: z.union([z.null(), z.object({ v: z.boolean() })]),
      maybe: z.string().nullable(),
      pair: z.tuple([z.number(), z.string()]),
    }),
  ),
  recursive: z.toJSONSchema(Node),
  both: { allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }] },
};

describe("sampleJson", () => {
  it.each(Object.entries(schemas))("answers a value valid against %s", (_name, schema) => {
    const value = sampleJson(schema);
    const validate = ajv.compile(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is deterministic", () => {
    expect(JSON.stringify(sampleJson(schemas.bounds ?? {}))).toBe(
      JSON.stringify(sampleJson(schemas.bounds ?? {})),
    );
  });
});

describe("requestedSchema", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  it("reads OpenAI's response_format, Anthropic's output_format and Gemini's generationConfig", () => {
    expect(
      requestedSchema({ response_format: { type: "json_schema", json_schema: { name: "o", schema } } }),
    ).toBe(schema);
    expect(requestedSchema({ output_format: { type: "json_schema", schema } })).toBe(schema);
    expect(requestedSchema({ output_config: { format: { type: "json_schema", schema } } })).toBe(schema);
    expect(requestedSchema({ generationConfig: { responseJsonSchema: schema } })).toBe(schema);
    expect(requestedSchema({ response_format: { type: "json_object" } })).toEqual({});
  });

  it("is undefined for a plain text request", () => {
    expect(requestedSchema({ messages: [] })).toBeUndefined();
    expect(requestedSchema({ response_format: { type: "text" } })).toBeUndefined();
  });
});
