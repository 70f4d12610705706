/**
 * The mock LLM server in a process of its own, driven over IPC by the bench. Its own process keeps its
 * CPU out of the figures for the process under test (main-thread CPU, process-wide RSS) and lets it use
 * the other core rather than steal time from the caller's event loop. Exits when the bench goes away.
 */
import { startMockServer } from "../../mock/index.js";
import { sizedAnswer } from "../lib/answerSize.js";
import type { MockControl, MockControlReply } from "../lib/mockProcess.js";

const send = (message: MockControlReply): void => {
  process.send?.(message);
};
const latencyMs = Number(process.argv[2] ?? "0");
// 0: the mock's own short answer; otherwise every answer's text is this many characters.
const answerChars = Number(process.argv[3] ?? "0");
const server = await startMockServer({
  latencyMs,
  logLimit: 0,
  ...(answerChars > 0 ? { answer: sizedAnswer(answerChars) } : {}),
});
process.on("disconnect", () => {
  void server.close().finally(() => process.exit(0));
});
process.on("message", (message: MockControl) => {
  switch (message.type) {
    case "setLatency":
      server.setLatency(message.ms);
      break;
    case "fault":
      server.fault(message.fault, message.options);
      break;
    case "clearFaults":
      server.clearFaults();
      break;
    case "setLimits":
      server.setLimits(message.limits);
      break;
    case "resetStats":
      server.resetStats();
      break;
    case "stats":
      break;
    case "close":
      void server.close().then(() => {
        send({ type: "done", id: message.id, stats: server.stats });
        process.exit(0);
      });
      return;
  }
  send({ type: "done", id: message.id, stats: server.stats });
});
send({ type: "ready", url: server.url, baseURL: server.baseURL });
