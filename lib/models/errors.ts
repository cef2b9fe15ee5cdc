import { UpstreamError } from "@/lib/errors";

/**
 * No model with this id is stored (or a name is not a marketplace model's). The marketplace API
 * names it by registry id, /api/v1 by the name the client asked for.
 */
export class ModelNotFoundError extends UpstreamError {
  readonly code = "MODEL_NOT_FOUND";
  readonly status = 404;
  constructor(readonly model: bigint | string) {
    super(
      typeof model === "bigint"
        ? `No model ${model} is published`
        : `The model '${model}' does not exist. Model names are "upstream-<id>" (see GET /api/v1/models).`,
      { param: "model" },
    );
  }
}
