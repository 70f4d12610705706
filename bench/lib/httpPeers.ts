/**
 * The HTTP ceilings and peers for a cache miss, each sending the same OpenAI chat request from the
 * main thread to the same mock server: undici's `Pool.request` (the fastest client Node has; the
 * ceiling), the global `fetch`, and the official `openai` SDK with retries off (what users run today).
 * Every one parses the JSON answer, as dspex does.
 */
import OpenAI from "openai";
import { Pool } from "undici";
import type { Contender } from "./contender.js";
import { BENCH_API_KEY, chatBody, MODEL, messagesFor } from "./payload.js";

const HEADERS = { "content-type": "application/json", authorization: `Bearer ${BENCH_API_KEY}` };

/** undici `Pool.request` with its defaults (as many connections as there are requests in flight). */
export function undiciPool(baseURL: string): Contender {
  const url = new URL(`${baseURL}/chat/completions`);
  const pool = new Pool(url.origin);
  return {
    label: "undici Pool.request",
    call: async (seq) => {
      const res = await pool.request({
        path: url.pathname,
        method: "POST",
        headers: HEADERS,
        body: chatBody(seq),
      });
      const json = await res.body.json();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      return json;
    },
    close: () => pool.close(),
  };
}

/** The global `fetch` (undici inside, through its WHATWG layer). */
export function globalFetch(baseURL: string): Contender {
  const url = `${baseURL}/chat/completions`;
  return {
    label: "global fetch",
    call: async (seq) => {
      const res = await fetch(url, { method: "POST", headers: HEADERS, body: chatBody(seq) });
      const json: unknown = await res.json();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return json;
    },
    close: async () => {},
  };
}

/** The official `openai` SDK, `maxRetries: 0` so a failure costs the same as in the others. */
export function openaiSdk(baseURL: string): Contender {
  const client = new OpenAI({ apiKey: BENCH_API_KEY, baseURL, maxRetries: 0 });
  return {
    label: "openai SDK",
    call: (seq) =>
      client.chat.completions.create({
        model: MODEL,
        messages: messagesFor(seq, true) as OpenAI.Chat.ChatCompletionMessageParam[],
        temperature: 0,
      }),
    close: async () => {},
  };
}
