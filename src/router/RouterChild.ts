/**
 * A router as a child of its supervisor: it holds no thread, starts at once, never exits on its own,
 * and its snapshot is the router's. It sits in the tree where the spec put it, so `inspect()` shows it
 * there; a restart strategy that stops and starts it changes nothing.
 */
import { type Child, type ExitReason, type Subscription, subscription } from "../../supervisor/Child.js";
import type { NodeSnapshot, RestartType } from "../types.js";
import type { Router } from "./Router.js";

const NOTHING: Subscription = subscription(() => {});

/** See the module comment. */
export class RouterChild implements Child {
  readonly kind = "router";
  readonly restart: RestartType = "permanent";

  constructor(readonly router: Router) {}

  get name(): string {
    return this.router.name;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  onExit(_listener: (reason: ExitReason) => void): Subscription {
    return NOTHING;
  }

  retire(): void {}

  markRestarting(): void {}

  snapshot(): NodeSnapshot {
    return this.router.snapshot();
  }
}
