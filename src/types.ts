/**
 * The public types of dspex, gathered from the modules that hold them so one import reaches them all:
 * messages (messages.ts), what a call carries (callOptions.ts), what it answers (replyTypes.ts), the
 * specs of a supervision tree (specTypes.ts), and what `inspect()` shows (inspectTypes.ts); `embed`'s
 * own are in embedTypes.ts. Plain data only: everything here can cross a thread (except `SchemaOptions`,
 * which stays on the caller's thread).
 */
export type * from "./callOptions.js";
export type * from "./inspectTypes.js";
export type * from "./json.js";
export type * from "./messages.js";
export type { ClientNames } from "./names.js";
export type * from "./replyTypes.js";
export type * from "./specTypes.js";
