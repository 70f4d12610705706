/**
 * Micro-benchmark of how an embedding is kept in an external cache store (`workers/embed/vectorEntry.ts`):
 * the Float32Array's bytes as base64 beside the model, against the numbers as a JSON array. Each form
 * goes through `JSON.stringify` / `JSON.parse` as keyv stores it. Reports the stored size and the CPU
 * time per vector (process.cpuUsage, which barely moves with the machine's load), and checks the
 * vector read back is bit-for-bit the one stored.
 *
 *   npm run build && node dist/bench/micro/vectorEntry.js [dims] [count]
 */
import { decodeVector, encodeVector } from "../../workers/embed/vectorEntry.js";

const dims = Number(process.argv[2] ?? 1536);
const count = Number(process.argv[3] ?? 2000);
const model = "text-embedding-3-small";
const vectors = Array.from({ length: count }, (_, k) =>
  Float32Array.from({ length: dims }, (_, i) => Math.sin(i * 7 + k) * 0.05),
);

interface Format {
  name: string;
  encode(vector: Float32Array): string;
  decode(text: string): Float32Array | undefined;
}

const formats: Format[] = [
  {
    name: "base64 bytes (chosen)",
    encode: (vector) => JSON.stringify({ value: encodeVector({ vector, model }) }),
    decode: (text) => decodeVector(JSON.parse(text).value)?.vector,
  },
  {
    name: "JSON numbers",
    encode: (vector) => JSON.stringify({ value: { m: model, v: Array.from(vector) } }),
    decode: (text) => Float32Array.from(JSON.parse(text).value.v as number[]),
  },
];

function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

for (const format of formats) {
  let best = { encode: Number.POSITIVE_INFINITY, decode: Number.POSITIVE_INFINITY };
  let texts: string[] = [];
  for (let round = 0; round < 5; round++) {
    const encode = cpuMicros(() => {
      texts = vectors.map(format.encode);
    });
    const decode = cpuMicros(() => {
      for (const text of texts) format.decode(text);
    });
    best = { encode: Math.min(best.encode, encode), decode: Math.min(best.decode, decode) };
  }
  const back = format.decode(texts[0] as string) as Float32Array;
  const exact = back.length === dims && back.every((x, i) => Object.is(x, (vectors[0] as Float32Array)[i]));
  console.log(
    `${format.name.padEnd(22)} ${String((texts[0] as string).length).padStart(7)} chars  ` +
      `encode ${(best.encode / count).toFixed(1)} µs  decode ${(best.decode / count).toFixed(1)} µs  exact ${exact}`,
  );
}
