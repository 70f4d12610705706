/**
 * One batch of embedding inputs sent upstream: the provider's request, through the worker's
 * {@link UpstreamPipeline} (mailbox slot, rate gate, retry loop, breaker, attempt) with the retries the
 * job asked for, over the worker's transport. An answer with another number of vectors than inputs is
 * `ERR_BAD_RESPONSE`. The gate learns from every answer's headers: a 2xx's with its batch
 * ({@link passGate}), the others' through the transport's observer.
 */
import { toErrorData } from "../../src/errors.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import { Transport } from "../http/Transport.js";
import type { EmbedBatch, EmbedProvider } from "../providers/EmbedProvider.js";
import type { RetryOutcome } from "../resilience/RetryPolicy.js";
import { gateObserver, passGate } from "../traffic/passGate.js";
import { BatchRun } from "./BatchRun.js";
import type { EmbedDeps } from "./EmbedDeps.js";
import type { EmbedJob } from "./EmbedJob.js";
import type { Owned } from "./embedPlan.js";

/** See the module comment. */
export class BatchSender {
  readonly #deps: EmbedDeps;
  readonly #transport: Transport<EmbedProvider>;

  constructor(deps: EmbedDeps) {
    this.#deps = deps;
    const client = deps.client;
    this.#transport = new Transport(deps.dispatcher, deps.provider, client.apiKey, {
      maxBytes: client.maxResponseBytes,
      maxErrorBytes: client.maxErrorBodyBytes,
    });
    // A 2xx answer's headers are read with its batch (passGate); the others' here.
    this.#transport.observe = gateObserver(deps.gate);
  }

  /** Sends `batch` (inputs of `job`'s flights) and settles with its outcome. Never rejects. */
  async send(job: EmbedJob, batch: readonly Owned[]): Promise<RetryOutcome<EmbedBatch>> {
    const { client, provider, gate, pipeline, estimator } = this.#deps;
    const request = job.request;
    const inputs = batch.map((o) => o.input);
    try {
      const upstream = provider.buildEmbedRequest(client, inputs, request);
      if (request.traceparent !== undefined) upstream.headers.traceparent = request.traceparent;
      const retry = client.retry;
      const plan =
        request.maxRetries === retry.maxRetries ? retry : { ...retry, maxRetries: request.maxRetries };
      const run = new BatchRun(
        plan,
        pipeline.parts,
        batch.map((o) => o.flight),
        job,
      );
      if (request.timing === true) run.timings = [];
      const signal = run.signal;
      const transport = this.#transport;
      let chars = 0;
      for (const input of inputs) chars += input.length;
      const tokens = gate.countsTokens ? Math.ceil(chars / estimator.charsPerToken) : 0;
      const attempt = async (): Promise<EmbedBatch> => {
        const answer = await transport.send(upstream, signal, request.attemptTimeoutMs);
        if (answer.vectors.length !== inputs.length) {
          throw new AttemptFailure("bad_response", {
            code: "ERR_BAD_RESPONSE",
            message: `upstream answered ${answer.vectors.length} vectors for ${inputs.length} inputs`,
          });
        }
        return answer;
      };
      const send = (): Promise<EmbedBatch> =>
        passGate(
          gate,
          tokens,
          run.deadline,
          signal,
          attempt,
          (answer) => {
            if (answer.rateLimit !== undefined && gate.learn(answer.rateLimit)) return tokens;
            return answer.promptTokens > 0 ? answer.promptTokens : undefined;
          },
          run.timings,
        );
      try {
        return await pipeline.run(send, run);
      } finally {
        run.dispose();
      }
    } catch (error) {
      return {
        ok: false,
        error: toErrorData(error, "ERR_INVALID_ARGUMENT"),
        attempts: 0,
        upstreamErrors: undefined,
      };
    }
  }
}
