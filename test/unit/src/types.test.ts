/**
 * Types that guide the caller, checked by the compiler (`npm run typecheck` covers this file): message
 * shapes per role, client names inferred from the spec, and reply fields. The functions below are
 * never called; each `@ts-expect-error` fails the type check if the line it marks compiles.
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { ClientNames } from "../../../src/names.js";
import { createSystem, type System } from "../../../src/System.js";
import type { ChatMessage, ParsedReply, Reply, StreamChunk, SystemSpec, Usage } from "../../../src/types.js";

const spec = {
  children: [
    { name: "gpt4o", provider: "openai", model: "gpt-4o-mini" },
    {
      type: "supervisor",
      name: "local",
      children: [
        { name: "claude", provider: "anthropic", model: "claude-sonnet-4-5" },
        { type: "supervisor", name: "deeper", children: [{ name: "mini", provider: "openai", model: "m" }] },
      ],
    },
  ],
} as const satisfies SystemSpec;

describe("message types", () => {
  it("accept every role's shape, parts included", () => {
    const ok: ChatMessage[] = [
      { role: "system", content: "Be brief." },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      { role: "user", content: "Hi" },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "They want the weather.", signature: "sig" },
          { type: "redacted_thinking", data: "opaque" },
        ],
        tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }],
      },
      { role: "assistant", content: null, tool_calls: [] },
      { role: "tool", tool_call_id: "call_1", content: "21 C" },
    ];
    expectTypeOf(ok).toExtend<readonly ChatMessage[]>();
  });

  it("reject wrong shapes at compile time", () => {
    const message = (m: ChatMessage) => m;
    const objectArguments = { name: "f", arguments: {} };
    // @ts-expect-error: no such role
    message({ role: "bot", content: "x" });
    // @ts-expect-error: a tool result needs the id of the call it answers
    message({ role: "tool", content: "21 C" });
    // @ts-expect-error: images are user content, not system content
    message({ role: "system", content: [{ type: "image_url", image_url: { url: "x" } }] });
    // @ts-expect-error: thinking belongs to the assistant
    message({ role: "user", content: [{ type: "thinking", thinking: "..." }] });
    // @ts-expect-error: a text part needs its text
    message({ role: "user", content: [{ type: "text" }] });
    // @ts-expect-error: only an assistant's content may be null
    message({ role: "user", content: null });
    const call = { id: "c", type: "function" as const, function: objectArguments };
    // @ts-expect-error: tool calls carry their arguments as JSON text
    message({ role: "assistant", content: null, tool_calls: [call] });
  });
});

describe("client names from the spec", () => {
  it("infers every client's name at any depth, and only those", () => {
    expectTypeOf<ClientNames<typeof spec>>().toEqualTypeOf<"gpt4o" | "claude" | "mini">();
    expectTypeOf<ClientNames<SystemSpec>>().toEqualTypeOf<string>();
  });

  it("makes an unknown name a compile error on call, stream and kill", () => {
    async function typed() {
      const system = await createSystem(spec);
      expectTypeOf(system).toEqualTypeOf<System<"gpt4o" | "claude" | "mini">>();
      await system.call("gpt4o", [{ role: "user", content: "hi" }]);
      // @ts-expect-error: the tree names "gpt4o", not "gpt4"
      await system.call("gpt4", [{ role: "user", content: "hi" }]);
      // @ts-expect-error: a supervisor is not callable
      system.stream("local", [{ role: "user", content: "hi" }]);
      // @ts-expect-error: no such client to kill
      await system.kill("nope");
      // @ts-expect-error: messages are typed
      await system.call("claude", [{ role: "user", text: "hi" }]);
    }
    expectTypeOf(typed).toBeFunction();
  });

  it("widens names to string for a spec built at run time", () => {
    async function dynamic(built: SystemSpec, name: string) {
      const system = await createSystem(built);
      expectTypeOf(system).toEqualTypeOf<System<string>>();
      await system.call(name, [{ role: "user", content: "hi" }]);
    }
    expectTypeOf(dynamic).toBeFunction();
  });
});

describe("reply types", () => {
  it("types every reply field, and parsed from the schema", () => {
    async function typed(system: System<"gpt4o">) {
      const reply = await system.call("gpt4o", [{ role: "user", content: "hi" }]);
      expectTypeOf(reply).toEqualTypeOf<Reply>();
      expectTypeOf(reply.text).toEqualTypeOf<string>();
      expectTypeOf(reply.cached).toEqualTypeOf<boolean>();
      expectTypeOf(reply.usage).toEqualTypeOf<Usage>();
      const City = z.object({ name: z.string() });
      const parsed = await system.call("gpt4o", [{ role: "user", content: "hi" }], { schema: City });
      expectTypeOf(parsed).toEqualTypeOf<ParsedReply<{ name: string }>>();
      expectTypeOf(parsed.parsed.name).toEqualTypeOf<string>();
      for await (const chunk of system.stream("gpt4o", [{ role: "user", content: "hi" }])) {
        expectTypeOf(chunk).toEqualTypeOf<StreamChunk>();
      }
      const streamed = system.stream("gpt4o", [{ role: "user", content: "hi" }], { schema: City });
      expectTypeOf(streamed.parsed).toEqualTypeOf<{ name: string } | undefined>();
      expectTypeOf(system.stream("gpt4o", [{ role: "user", content: "hi" }]).parsed).toEqualTypeOf<unknown>();
    }
    expectTypeOf(typed).toBeFunction();
  });
});
