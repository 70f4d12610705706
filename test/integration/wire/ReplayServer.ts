/**
 * A loopback HTTP server that answers with real vendor recordings (test/fixtures/wire/), byte for byte:
 * the recorded status, content type and body. Which recording answers is named in the request body
 * (`fixture:<vendor>/<name>` inside the user message), so one client per provider serves them all.
 *
 * The body goes out in many small writes at odd sizes, and every multi-byte UTF-8 character is cut
 * after its first byte, so the client's decoder sees chunk boundaries inside characters, lines and
 * SSE events. Recordings kept as `*.chunks.txt` (one event payload per line, as the Vercel AI SDK
 * stores them) are framed here as SSE the way each vendor frames its stream.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Recording } from "./recordings.js";

/** Piece sizes, cycled: odd and uneven so that boundaries land everywhere. */
const PIECES = [1, 7, 3, 13, 2, 31, 5, 64, 11, 257];
/** Above this many pieces a body is cut in larger steps (the long streams are 100-300 kB). */
const MAX_PIECES = 3_000;

/** The bytes a recording answers with. */
export function bodyOf(recording: Recording): Buffer {
  const raw = readFileSync(recording.bodyPath);
  const framing = recording.manifest.response.framing;
  if (framing === "raw") return raw;
  const lines = raw
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
  let out = "";
  for (const line of lines) {
    if (framing === "chunks-anthropic") {
      const type = (JSON.parse(line) as { type: string }).type;
      out += `event: ${type}\ndata: ${line}\n\n`;
    } else if (framing === "chunks-gemini") {
      out += `data: ${line}\r\n\r\n`;
    } else {
      out += `data: ${line}\n\n`;
    }
  }
  if (framing === "chunks-openai") out += "data: [DONE]\n\n";
  return Buffer.from(out, "utf8");
}

/** Where the body is cut: odd sizes, plus right after the first byte of every multi-byte character. */
export function cutPoints(body: Buffer): number[] {
  const scale = Math.max(1, Math.ceil(body.length / (MAX_PIECES * 40)));
  const cuts = new Set<number>();
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    at += (PIECES[i % PIECES.length] as number) * scale;
    if (at < body.length) cuts.add(at);
  }
  for (let i = 0; i < body.length; i++) {
    // 0b11xxxxxx starts a multi-byte character: cut inside it.
    if (((body[i] as number) & 0xc0) === 0xc0) cuts.add(i + 1);
  }
  return [...cuts].sort((a, b) => a - b);
}

/** The replay server: `baseURL(provider)` for clients, `hits` per recording for assertions. */
export class ReplayServer {
  readonly #server = createServer((req, res) => void this.#answer(req, res));
  readonly #recordings = new Map<string, Recording>();
  readonly hits = new Map<string, number>();
  #port = 0;

  constructor(recordings: Recording[]) {
    for (const r of recordings) this.#recordings.set(r.id, r);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** The origin, e.g. `http://127.0.0.1:1234`. */
  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const id = /fixture:([a-z0-9-]+\/[a-z0-9-]+)/.exec(Buffer.concat(chunks).toString("utf8"))?.[1];
    const recording = id === undefined ? undefined : this.#recordings.get(id);
    if (recording === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no recording named in the request`);
      return;
    }
    this.hits.set(recording.id, (this.hits.get(recording.id) ?? 0) + 1);
    const body = bodyOf(recording);
    res.socket?.setNoDelay(true);
    res.writeHead(recording.manifest.response.status, {
      "content-type": recording.manifest.response.contentType,
    });
    let from = 0;
    for (const cut of [...cutPoints(body), body.length]) {
      if (res.destroyed) return;
      res.write(body.subarray(from, cut));
      from = cut;
      // A turn of the event loop between writes: each piece leaves as its own TCP segment.
      await nextTurn();
    }
    res.end();
  }
}
