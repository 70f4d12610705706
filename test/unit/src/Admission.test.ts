import { describe, expect, it } from "vitest";
import { Admission } from "../../../src/Admission.js";
import { CallTable, type Pending } from "../../../src/CallTable.js";
import { StatsMirror } from "../../../src/StatsMirror.js";
import { type ResolvedClientSpec, resolveSystemSpec } from "../../../src/SystemSpec.js";
import { ClientTraffic } from "../../../src/traffic/ClientTraffic.js";
import { splitOptions } from "../../../src/validate.js";

function setup(extra: object = {}) {
  const tree = resolveSystemSpec({
    children: [{ name: "c", provider: "openai", model: "m", apiKey: "sk-admission", ...extra }],
  });
  const spec = tree.children[0] as ResolvedClientSpec;
  const mirror = new StatsMirror(true);
  const table = new CallTable(mirror.stats);
  const admission = new Admission(spec, mirror, table, new ClientTraffic(spec.name, spec, undefined));
  return { admission, mirror, table };
}

const MSGS = [{ role: "user" as const, content: "hi" }];

function held(id: number): Pending {
  return {
    id,
    message: { type: "cancel", id, reason: "closed" } as unknown as Pending["message"],
    deliveries: 0,
    crashes: 0,
    link: undefined,
    redeliver: "unanswered",
    redeliverable: () => true,
    receive: () => true,
    fail: () => {},
  };
}

describe("Admission", () => {
  it("admits a call while the client runs below its bound", () => {
    const { admission, mirror } = setup();
    expect(admission.callRefusal(undefined, MSGS, splitOptions({}))).toBeUndefined();
    expect(admission.embedRefusal(undefined, ["x"])).toBeUndefined();
    expect(mirror.stats.errors).toEqual({});
  });

  it("refuses with the retirement code while retired, counting it", () => {
    const { admission, mirror } = setup();
    expect(admission.callRefusal("ERR_SYSTEM_STOPPED", MSGS, splitOptions({}))?.code).toBe(
      "ERR_SYSTEM_STOPPED",
    );
    expect(admission.embedRefusal("ERR_CLIENT_UNAVAILABLE", ["x"])?.code).toBe("ERR_CLIENT_UNAVAILABLE");
    expect(mirror.stats.errors).toEqual({ ERR_SYSTEM_STOPPED: 1, ERR_CLIENT_UNAVAILABLE: 1 });
  });

  it("refuses with ERR_QUEUE_FULL at maxConcurrency + maxQueue pending calls, counting it", () => {
    const { admission, mirror, table } = setup({ maxConcurrency: 1, maxQueue: 1 });
    table.admit(held(1), undefined);
    expect(admission.callRefusal(undefined, MSGS, splitOptions({}))).toBeUndefined();
    table.admit(held(2), undefined);
    const refused = admission.callRefusal(undefined, MSGS, splitOptions({}));
    expect(refused?.code).toBe("ERR_QUEUE_FULL");
    expect(admission.embedRefusal(undefined, ["x"])?.code).toBe("ERR_QUEUE_FULL");
    expect(mirror.stats.errors).toEqual({ ERR_QUEUE_FULL: 2 });
  });
});
