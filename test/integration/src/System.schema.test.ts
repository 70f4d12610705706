/**
 * The `schema` call option through real worker threads and the real mock server: zod 4, valibot (with
 * and without its JSON Schema adapter) and arktype schemas become the response format, the mock answers
 * JSON valid against it, and the answer comes back validated and typed as `reply.parsed`; an answer
 * that does not validate rejects with `ERR_BAD_OUTPUT` carrying the issues and the raw text.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { toJsonSchema, toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { MockServerOptions } from "../../../mock/index.js";
import { BadOutputError, isDspexError } from "../../../src/errors.js";
import { ask, client, closedAfterEach, failure } from "../pipelineEnv.js";
import { Weather } from "../weatherSchema.js";

const makeEnv = closedAfterEach();

async function env(serverOptions: MockServerOptions = {}) {
  return makeEnv((s) => ({ children: [client(s, "gpt")] }), serverOptions);
}

/** The response format the mock received with the last request. */
function sentFormat(server: { requests: { body: unknown }[] }): unknown {
  const body = server.requests.at(-1)?.body as { response_format?: unknown } | undefined;
  return body?.response_format;
}

describe("schema: a Standard Schema as the call's response format", () => {
  it("zod 4: sends its JSON Schema and returns the validated answer, typed", async () => {
    const { system, server } = await env();
    const reply = await system.call("gpt", ask("weather in Paris"), { schema: Weather });
    expectTypeOf(reply.parsed).toEqualTypeOf<z.output<typeof Weather>>();
    expect(reply.parsed).toEqual({ city: "mock", temperature: -90, units: "c", tags: ["mock"] });
    expect(JSON.parse(reply.text)).toEqual(reply.parsed);
    expect(sentFormat(server)).toMatchObject({
      type: "json_schema",
      json_schema: { name: "output", schema: { type: "object", required: ["city", "temperature", "units"] } },
    });
  });

  it("through an Anthropic client: the schema goes out as output_config.format and the answer validates", async () => {
    const e = await makeEnv((s) => ({
      children: [client(s, "claude", { provider: "anthropic", baseURL: `${s.baseURL}` })],
    }));
    const reply = await e.system.call("claude", ask("weather in Lima"), { schema: Weather });
    expect(reply.parsed).toEqual({ city: "mock", temperature: -90, units: "c", tags: ["mock"] });
    const body = e.server.requests.at(-1)?.body as { output_config?: unknown } | undefined;
    expect(body?.output_config).toMatchObject({
      format: { type: "json_schema", schema: { type: "object", required: ["city", "temperature", "units"] } },
    });
  });

  it("a cached answer is validated again and carries `parsed` too", async () => {
    const { system, server } = await env();
    const first = await system.call("gpt", ask("cache me"), { schema: Weather });
    const second = await system.call("gpt", ask("cache me"), { schema: Weather });
    expect(second.cached).toBe(true);
    expect(second.parsed).toEqual(first.parsed);
    expect(server.stats.requests).toBe(1);
  });

  it("valibot with its Standard JSON Schema adapter, and valibot alone with an explicit jsonSchema", async () => {
    const { system } = await env();
    const City = v.object({ city: v.pipe(v.string(), v.minLength(2)), population: v.number() });
    const adapted = await system.call("gpt", ask("a city"), { schema: toStandardJsonSchema(City) });
    expectTypeOf(adapted.parsed).toEqualTypeOf<v.InferOutput<typeof City>>();
    expect(adapted.parsed).toEqual({ city: "mock", population: 1 });
    const explicit = await system.call("gpt", ask("another city"), {
      schema: City,
      jsonSchema: toJsonSchema(City) as never,
    });
    expect(explicit.parsed).toEqual({ city: "mock", population: 1 });
  });

  it("valibot alone, without a jsonSchema, rejects with ERR_INVALID_ARGUMENT and sends nothing", async () => {
    const { system, server } = await env();
    const error = await failure(system.call("gpt", ask("x"), { schema: v.object({ a: v.string() }) }));
    expect(error).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field: "options.schema" });
    expect(error.message).toMatch(/jsonSchema/);
    expect(server.stats.requests).toBe(0);
  });

  it("arktype: through `~standard.jsonSchema`", async () => {
    const { system } = await env();
    const Point = type({ x: "number", y: "number", label: "string" });
    const reply = await system.call("gpt", ask("a point"), { schema: Point });
    expectTypeOf(reply.parsed).toEqualTypeOf<typeof Point.infer>();
    expect(reply.parsed).toEqual({ x: 1, y: 1, label: "mock" });
  });

  it("an answer that does not validate rejects with ERR_BAD_OUTPUT, its issues and the raw text", async () => {
    const { system } = await env({ answer: () => '{"city":"P","temperature":"hot","units":"k"}' });
    const error = await failure(system.call("gpt", ask("weather"), { schema: Weather }));
    expect(isDspexError(error, "ERR_BAD_OUTPUT")).toBe(true);
    expect(error).toBeInstanceOf(BadOutputError);
    const bad = error as unknown as BadOutputError;
    expect(bad.text).toBe('{"city":"P","temperature":"hot","units":"k"}');
    expect(bad.issues.map((i) => i.path)).toEqual([["city"], ["temperature"], ["units"]]);
    expect(bad.toJSON()).toMatchObject({ code: "ERR_BAD_OUTPUT", issues: bad.issues, text: bad.text });
  });

  it("an answer that is not JSON rejects with ERR_BAD_OUTPUT", async () => {
    const { system } = await env({ answer: () => "Sunny, 21 degrees." });
    const error = (await failure(
      system.call("gpt", ask("weather"), { schema: Weather }),
    )) as unknown as BadOutputError;
    expect(error.code).toBe("ERR_BAD_OUTPUT");
    expect(error.issues[0]?.message).toMatch(/not JSON/);
    expect(error.text).toBe("Sunny, 21 degrees.");
  });

  it("a hand-written Standard Schema: its own validate decides, with an explicit jsonSchema", async () => {
    const { system } = await env({ answer: () => "42" });
    const even: StandardSchemaV1<unknown, number> = {
      "~standard": {
        version: 1,
        vendor: "hand",
        validate: (value) =>
          typeof value === "number" && value % 2 === 0
            ? { value }
            : { issues: [{ message: "must be an even number" }] },
      },
    };
    const reply = await system.call("gpt", ask("an even number"), {
      schema: even,
      jsonSchema: { type: "integer" },
    });
    expectTypeOf(reply.parsed).toEqualTypeOf<number>();
    expect(reply.parsed).toBe(42);
  });

  it("rejects bad schema options with ERR_INVALID_ARGUMENT", async () => {
    const { system, server } = await env();
    const cases: [unknown, string][] = [
      [{ schema: { type: "object" } }, "options.schema"],
      [{ schema: Weather, responseFormat: { type: "json_object" } }, "options.responseFormat"],
      [{ jsonSchema: { type: "object" } }, "options.jsonSchema"],
      [{ schema: Weather, jsonSchema: "nope" }, "options.jsonSchema"],
    ];
    for (const [options, field] of cases) {
      const error = await failure(system.call("gpt", ask("x"), options as never));
      expect(error, field).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field });
    }
    expect(server.stats.requests).toBe(0);
  });

  it("type-checks: parsed is absent from plain replies' type and a non-schema is a compile error", async () => {
    const { system } = await env();
    const plain = await system.call("gpt", ask("plain"));
    expectTypeOf(plain.parsed).toEqualTypeOf<unknown>();
    // @ts-expect-error: a schema must be a Standard Schema
    await failure(system.call("gpt", ask("x"), { schema: { type: "object" } }));
  });
});
