/**
 * A `node:worker_threads` `MessagePort` as a comlink `Endpoint`, for the admin port (both sides).
 *
 * comlink speaks the DOM's `addEventListener` / `event.data`; Node's documented port API is
 * `on("message", data => ...)`. This is comlink's own Node adapter, written out here because the
 * package ships it as UMD/`.mjs` files whose typings do not load under NodeNext.
 */
import type { MessagePort, TransferListItem } from "node:worker_threads";
import type { Endpoint } from "comlink";

type ComlinkListener = ((event: { data: unknown }) => void) | { handleEvent(event: { data: unknown }): void };

/** Wraps `port` for `Comlink.expose` / `Comlink.wrap`. */
export function portEndpoint(port: MessagePort): Endpoint {
  const forwarders = new WeakMap<ComlinkListener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: readonly unknown[]) =>
      port.postMessage(message, transfer as readonly TransferListItem[] | undefined),
    addEventListener: (_type: string, listener: ComlinkListener) => {
      const forward = (data: unknown) => {
        if (typeof listener === "function") listener({ data });
        else listener.handleEvent({ data });
      };
      forwarders.set(listener, forward);
      port.on("message", forward);
    },
    removeEventListener: (_type: string, listener: ComlinkListener) => {
      const forward = forwarders.get(listener);
      if (forward === undefined) return;
      port.off("message", forward);
      forwarders.delete(listener);
    },
    start: () => port.start(),
  };
}
