/**
 * The observer's web server: `node:http` on 127.0.0.1 only, every route behind a random token carried
 * in the URL (`?token=`; 403 without it or with a wrong one), and a Host check so a page on another
 * site cannot reach it through DNS rebinding.
 *
 * Routes: `GET /` the page; `GET /snapshot` one {@link ObserverSnapshot} as JSON; `GET /events` a
 * server-sent-event stream (`snapshot` every `intervalMs`, `event` for each system event as it
 * happens); `POST /kill?client=NAME` and `POST /clear-cache?client=NAME`, the operator actions.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isDspexError } from "../errors.js";
import type { ObserverSnapshot } from "./ObserverModel.js";
import { OBSERVER_PAGE } from "./page.js";

/** What the server needs from the system. */
export interface ObserverTarget {
  snapshot(): ObserverSnapshot;
  kill(client: string): Promise<void>;
  clearCache(client: string): Promise<number | undefined>;
  /** Subscribes to system events; returns the unsubscribe function. */
  onEvent(listener: (event: { type: string }) => void): () => void;
}

/** `system.observe()` options. */
export interface ObserveOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** How often the page gets a fresh snapshot, ms (default 500). */
  intervalMs?: number;
}

/** What `system.observe()` resolves with. */
export interface Observer {
  /** The page's address, token included: `http://127.0.0.1:PORT/?token=...`. */
  url: string;
  /** Stops the server, ends the page's event stream, and releases everything. Idempotent. */
  close(): Promise<void>;
}

/** Starts the server for `target`. */
export async function startObserver(target: ObserverTarget, options: ObserveOptions = {}): Promise<Observer> {
  const token = randomBytes(24).toString("base64url");
  const expected = Buffer.from(token);
  const intervalMs = options.intervalMs ?? 500;
  const streams = new Set<ServerResponse>();
  let port = 0;

  const authorized = (url: URL, req: IncomingMessage): boolean => {
    const host = (req.headers.host ?? "").toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return false;
    const given = Buffer.from(url.searchParams.get("token") ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

  const act = async (
    res: ServerResponse,
    client: string | null,
    action: (name: string) => Promise<unknown>,
  ) => {
    if (client === null || client === "") {
      json(res, 400, { error: "client is required" });
      return;
    }
    try {
      json(res, 200, { ok: true, result: (await action(client)) ?? null });
    } catch (error) {
      const code = isDspexError(error) ? error.code : "ERR_INTERNAL";
      json(res, 409, { ok: false, code, message: error instanceof Error ? error.message : String(error) });
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!authorized(url, req)) {
      send(
        res,
        403,
        "text/plain; charset=utf-8",
        "forbidden: open the URL printed by observe(), token included\n",
      );
      return;
    }
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /":
        send(res, 200, "text/html; charset=utf-8", OBSERVER_PAGE);
        return;
      case "GET /snapshot":
        json(res, 200, target.snapshot());
        return;
      case "GET /events":
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(target.snapshot())}\n\n`);
        streams.add(res);
        req.on("close", () => streams.delete(res));
        return;
      case "POST /kill":
        void act(res, url.searchParams.get("client"), (name) => target.kill(name));
        return;
      case "POST /clear-cache":
        void act(res, url.searchParams.get("client"), (name) => target.clearCache(name));
        return;
      default:
        send(
          res,
          url.pathname === "/kill" || url.pathname === "/clear-cache" ? 405 : 404,
          "text/plain",
          "no\n",
        );
    }
  });

  const broadcast = (name: string, value: unknown) => {
    if (streams.size === 0) return;
    const frame = `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const timer = setInterval(() => {
    if (streams.size > 0) broadcast("snapshot", target.snapshot());
  }, intervalMs);
  timer.unref();
  const unsubscribe = target.onEvent((event) => {
    broadcast("event", { at: Date.now(), ...event });
    // A restart, crash or breaker change is shown at once, not at the next tick.
    broadcast("snapshot", target.snapshot());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  server.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        unsubscribe();
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
