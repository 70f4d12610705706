/**
 * How the in-memory response cache keeps an entry: answer texts at least {@link PACK_MIN_CHARS} long
 * are kept as bytes outside V8's heap. A cache full of long strings makes the garbage collector copy
 * and compact them over and over as entries come and go: caching 20 KB answers cost ~125 µs of CPU
 * per insert against ~27 µs as bytes (docs/decisions.md, "Long answers in the cache"). Shorter texts
 * stay strings (a hit decodes nothing).
 */
import type { Reply } from "../../src/types.js";
import { copyStored, type StoredReply } from "./replyCopy.js";

/** Texts at least this long are packed as bytes. */
const PACK_MIN_CHARS = 1_024;

/** An in-memory entry: the stored reply, with a long text moved to `bytes` (and `text` empty). */
export interface PackedEntry {
  readonly reply: StoredReply;
  /** The text as bytes (`undefined`: the text is in `reply`). */
  readonly bytes: Buffer | undefined;
  /** The bytes are Latin-1 (the text was ASCII), else UTF-8. */
  readonly latin1: boolean;
}

/** The in-memory entry of a stored copy (the copy's text is moved out when long). */
export function pack(reply: StoredReply): PackedEntry {
  const text = reply.text;
  if (text.length < PACK_MIN_CHARS) return { reply, bytes: undefined, latin1: false };
  // ASCII (one byte per character in UTF-8) is copied as Latin-1: no encoding work either way.
  const latin1 = Buffer.byteLength(text, "utf8") === text.length;
  reply.text = "";
  return { reply, bytes: Buffer.from(text, latin1 ? "latin1" : "utf8"), latin1 };
}

/** A hit: a fresh copy of the entry's reply with its text, `cached: true`. */
export function unpack(entry: PackedEntry): Reply {
  const out = copyStored(entry.reply, true);
  const bytes = entry.bytes;
  if (bytes !== undefined) out.text = bytes.toString(entry.latin1 ? "latin1" : "utf8");
  return out;
}
