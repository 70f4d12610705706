/**
 * `@opentelemetry/api`, loaded lazily. It is an optional peer dependency: dspex never installs it, and
 * when the application has not installed it every telemetry hook is skipped. The API (and no SDK) is
 * all dspex touches; the application registers whatever SDK it uses.
 */

/** The API module's shape. */
export type OtelApi = typeof import("@opentelemetry/api");

let loading: Promise<OtelApi | undefined> | undefined;

/** Resolves with the API module, or `undefined` when it is not installed. Loads it once per process. */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  // The namespace, not its `default`: the API's default export lacks the enums (SpanKind, ...).
  loading ??= import("@opentelemetry/api").then(
    (module) => module as OtelApi,
    () => undefined,
  );
  return loading;
}
