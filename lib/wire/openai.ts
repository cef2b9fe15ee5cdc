/**
 * `GET /api/v1/models` and `/api/v1/models/<name>`: marketplace models as OpenAI lists them, with
 * the marketplace's terms under `upstream`. lib/inference/api.ts writes them; the keys page reads
 * the list for its code snippets.
 */
import { z } from "zod";
import { modelStatusSchema } from "./models";
import { addressSchema, decimalUint256Schema } from "./primitives";

export const v1ModelSchema = z.object({
  /** `upstream-<id>`. */
  id: z.string(),
  object: z.literal("model"),
  /** Unix seconds. */
  created: z.number().int(),
  owned_by: addressSchema,
  upstream: z.object({
    modelId: decimalUint256Schema,
    name: z.string(),
    status: modelStatusSchema,
    backend: z.string(),
    price: decimalUint256Schema,
    ownerShareBps: z.number().int(),
    datanetIds: z.array(decimalUint256Schema),
    /** Whether a question nothing in the datanets matches is still answered (and charged); otherwise it is answered so, free. */
    answersWithoutRecords: z.boolean(),
  }),
});

export const v1ModelListSchema = z.object({ object: z.literal("list"), data: z.array(v1ModelSchema) });

/** One model as the handler writes it (amounts and ids as decimal strings). */
export type V1ModelWire = z.input<typeof v1ModelSchema>;
