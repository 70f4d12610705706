/** A thing under load: dspex, a ceiling or a peer, reduced to "make one call" and "shut down". */
export interface Contender {
  /** Shown in tables, JSON and the chart legend. */
  label: string;
  /** One call; `seq` numbers the calls from 0. */
  call: (seq: number) => Promise<unknown>;
  /** Releases threads, sockets and pools. */
  close: () => Promise<void>;
}

/** The file URL of a compiled bench module, relative to dist/bench/lib/. */
export function benchFile(relative: string): URL {
  return new URL(`../${relative}`, import.meta.url);
}
