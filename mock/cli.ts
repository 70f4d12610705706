#!/usr/bin/env node
/**
 * `dspex-mock`: runs the mock LLM server from a shell, for the demo and for poking at it with curl.
 * Prints the base URL on stdout (one line) and stops cleanly on SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { startMockServer } from "./MockLlmServer.js";

const USAGE = `Usage: dspex-mock [options]

Serves OpenAI chat completions (POST /v1/chat/completions) and Anthropic messages (POST /v1/messages)
on 127.0.0.1 with deterministic mock answers.

  --port <n>          port to listen on (default 0: any free port)
  --latency <ms>      delay before each answer (default 0)
  --chunk-delay <ms>  delay between stream chunks (default 0)
  --chunk-size <n>    words per stream chunk (default 1)
  --api-key <key>     require this key (or set DSPEX_MOCK_API_KEY)
  -h, --help          show this help
`;

function number(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a non-negative number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      latency: { type: "string" },
      "chunk-delay": { type: "string" },
      "chunk-size": { type: "string" },
      "api-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const server = await startMockServer({
    port: number("port", values.port),
    latencyMs: number("latency", values.latency),
    chunkDelayMs: number("chunk-delay", values["chunk-delay"]),
    chunkSize: number("chunk-size", values["chunk-size"]),
    apiKey: values["api-key"] ?? process.env.DSPEX_MOCK_API_KEY,
    logLimit: 0, // a long-running server must not accumulate a log nobody reads
  });
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Print only once the handlers are installed: a script that reads this line may signal right away.
  process.stdout.write(`${server.baseURL}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dspex-mock: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
});
