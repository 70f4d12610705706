/**
 * A map from call ids (small integers handed out in sequence) to what is tracked for each call, kept
 * in an array indexed by `id & mask` instead of a `Map`. Used on both sides of the thread boundary for
 * the tables that take one insert and one delete per call: the proxy's pending calls (`CallTable`) and
 * a worker's open calls (`OpenCalls`, `StreamSessions`).
 *
 * Why not a `Map`: V8 replaces a `Map`'s hash table every few dozen inserts when entries are deleted
 * as fast as they are added, and the table it replaces keeps a pointer to its successor (for live
 * iterators) and to the entries it held. Once one of those tables sits in the old generation (a map
 * that was idle through two scavenges, as every client's table is after start), each dead table keeps
 * the next one, and every call object it holds, alive through scavenges: they are promoted, and the old
 * generation fills with call-sized garbage that only a full mark-compact frees. Measured on the
 * cache-miss path at 64 in flight (heap sampling of objects freed by major GCs, docs/decisions.md,
 * "Call tables"): about 1.5 KB promoted per call with a `Map`, about 0.1 KB with this table, and a
 * mark-compact every 10,000 calls on the main thread gone. An array slot that is overwritten holds
 * nothing after it is freed, so no chain forms.
 *
 * Ids are sequential, so live ids spread evenly over the slots; an id whose slot is taken by an
 * older, still-live call (a long stream among thousands of short calls) goes to a small overflow
 * `Map`. The array doubles when it is half full, so overflow stays rare. Iteration is in id order,
 * which is admission order.
 */
export class IdMap<V> {
  /** The id in each slot, or -1 for a free slot. */
  #ids: number[];
  #values: (V | undefined)[];
  #mask: number;
  #inSlots = 0;
  #overflow: Map<number, V> | undefined = undefined;

  /** `capacity` is rounded up to a power of two (at least 16). */
  constructor(capacity = 64) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.#ids = new Array<number>(size).fill(-1);
    this.#values = new Array<V | undefined>(size).fill(undefined);
    this.#mask = size - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.#inSlots + (this.#overflow?.size ?? 0);
  }

  /** The value for `id`, or `undefined`. */
  get(id: number): V | undefined {
    const slot = id & this.#mask;
    if (this.#ids[slot] === id) return this.#values[slot];
    return this.#overflow?.get(id);
  }

  /** True when `id` is held. */
  has(id: number): boolean {
    if (this.#ids[id & this.#mask] === id) return true;
    return this.#overflow?.has(id) === true;
  }

  /** Sets the value for `id` (`id` a non-negative integer). */
  set(id: number, value: V): void {
    let slot = id & this.#mask;
    const held = this.#ids[slot] as number;
    if (held === id) {
      this.#values[slot] = value;
      return;
    }
    if (this.#overflow?.has(id) === true) {
      this.#overflow.set(id, value);
      return;
    }
    if (held !== -1 && this.size * 2 >= this.#ids.length) {
      this.#grow();
      slot = id & this.#mask;
    }
    if (this.#ids[slot] === -1) {
      this.#ids[slot] = id;
      this.#values[slot] = value;
      this.#inSlots++;
    } else {
      this.#overflow ??= new Map();
      this.#overflow.set(id, value);
    }
  }

  /** Removes `id`; false when it was not held. */
  delete(id: number): boolean {
    const slot = id & this.#mask;
    if (this.#ids[slot] === id) {
      this.#ids[slot] = -1;
      this.#values[slot] = undefined;
      this.#inSlots--;
      return true;
    }
    const overflow = this.#overflow;
    if (overflow === undefined || !overflow.delete(id)) return false;
    if (overflow.size === 0) this.#overflow = undefined;
    return true;
  }

  /** Removes everything. */
  clear(): void {
    this.#ids.fill(-1);
    this.#values.fill(undefined);
    this.#inSlots = 0;
    this.#overflow = undefined;
  }

  /** The ids held, in increasing order (a copy: the map may change while the caller walks it). */
  ids(): number[] {
    const ids: number[] = [];
    for (const id of this.#ids) if (id !== -1) ids.push(id);
    if (this.#overflow !== undefined) for (const id of this.#overflow.keys()) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  /** The values held, in increasing order of id (a copy). */
  values(): V[] {
    return this.ids().map((id) => this.get(id) as V);
  }

  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    const overflow = this.#overflow;
    const size = ids.length * 2;
    this.#ids = new Array<number>(size).fill(-1);
    this.#values = new Array<V | undefined>(size).fill(undefined);
    this.#mask = size - 1;
    this.#inSlots = 0;
    this.#overflow = undefined;
    for (let slot = 0; slot < ids.length; slot++) {
      const id = ids[slot] as number;
      if (id !== -1) this.set(id, values[slot] as V);
    }
    if (overflow !== undefined) for (const [id, value] of overflow) this.set(id, value);
  }
}
