import { describe, expect, it } from "vitest";
import { IdMap } from "../../../src/IdMap.js";

describe("IdMap", () => {
  it("keeps, finds and forgets values by id, like a Map", () => {
    const map = new IdMap<string>();
    map.set(1, "a");
    map.set(2, "b");
    expect(map.size).toBe(2);
    expect(map.get(1)).toBe("a");
    expect(map.has(2)).toBe(true);
    expect(map.get(3)).toBeUndefined();
    expect(map.delete(1)).toBe(true);
    expect(map.delete(1)).toBe(false);
    expect(map.get(1)).toBeUndefined();
    expect(map.size).toBe(1);
    map.set(2, "c");
    expect(map.get(2)).toBe("c");
    expect(map.size).toBe(1);
  });

  it("holds null as a value distinct from absence", () => {
    const map = new IdMap<string | null>();
    map.set(5, null);
    expect(map.has(5)).toBe(true);
    expect(map.get(5)).toBeNull();
    expect(map.has(6)).toBe(false);
  });

  it("keeps an old id whose slot a newer id needs (overflow), and finds both", () => {
    const map = new IdMap<number>(16);
    map.set(0, 0); // a long-lived entry in slot 0
    // Sequential ids that live briefly, as calls do: 16, 32, ... all land on slot 0 at capacity 16.
    for (let id = 1; id < 200; id++) {
      map.set(id, id);
      if (id % 16 === 0) expect(map.get(0)).toBe(0);
      map.delete(id);
    }
    expect(map.size).toBe(1);
    expect(map.get(0)).toBe(0);
    map.set(16, 16);
    map.set(32, 32);
    expect([map.get(0), map.get(16), map.get(32)]).toEqual([0, 16, 32]);
    expect(map.size).toBe(3);
    expect(map.delete(16)).toBe(true);
    expect(map.get(32)).toBe(32);
  });

  it("grows past half full and loses nothing", () => {
    const map = new IdMap<number>(16);
    for (let id = 0; id < 1000; id++) map.set(id * 3, id);
    expect(map.size).toBe(1000);
    for (let id = 0; id < 1000; id++) expect(map.get(id * 3)).toBe(id);
    for (let id = 0; id < 1000; id += 2) expect(map.delete(id * 3)).toBe(true);
    expect(map.size).toBe(500);
    expect(map.get(3)).toBe(1);
    expect(map.get(0)).toBeUndefined();
  });

  it("lists ids and values in increasing id order (admission order), slots and overflow alike", () => {
    const map = new IdMap<string>(16);
    for (const id of [40, 3, 19, 35, 8, 24]) map.set(id, `v${id}`);
    expect(map.ids()).toEqual([3, 8, 19, 24, 35, 40]);
    expect(map.values()).toEqual(["v3", "v8", "v19", "v24", "v35", "v40"]);
  });

  it("matches a Map under random inserts and deletes", () => {
    const map = new IdMap<number>(16);
    const reference = new Map<number, number>();
    let next = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let step = 0; step < 20_000; step++) {
      if (random() < 0.55 || reference.size === 0) {
        const id = next++;
        map.set(id, step);
        reference.set(id, step);
      } else {
        const live = [...reference.keys()];
        const id = live[Math.floor(random() * live.length)] as number;
        expect(map.delete(id)).toBe(true);
        reference.delete(id);
      }
      if (step % 997 === 0) {
        expect(map.size).toBe(reference.size);
        expect(map.ids()).toEqual([...reference.keys()].sort((a, b) => a - b));
        for (const [id, value] of reference) expect(map.get(id)).toBe(value);
      }
    }
  });

  it("clear empties it", () => {
    const map = new IdMap<number>();
    for (let id = 0; id < 100; id++) map.set(id, id);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(5)).toBeUndefined();
    expect(map.ids()).toEqual([]);
  });
});
