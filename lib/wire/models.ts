/** A model's status as the registry sets it, in every answer that carries one (the indexer's and /api/v1's). */
import { z } from "zod";

/** Active models take paid inferences; paused and retired ones are refused. */
export const modelStatusSchema = z.enum(["active", "paused", "retired"]);
