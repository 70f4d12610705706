/** The zod schema the structured-output tests ask for (the mock answers a value valid against it). */
import { z } from "zod";

/** A weather report: what `schema` tests of `call` and `stream` send and validate. */
export const Weather = z.object({
  city: z.string().min(2),
  temperature: z.number().int().min(-90).max(60),
  units: z.enum(["c", "f"]),
  tags: z.array(z.string()).optional(),
});
