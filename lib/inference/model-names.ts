/**
 * Model names in the OpenAI-compatible API: a marketplace model is `upstream-<id>`, where `<id>`
 * is its registry id (`upstream-3`). The bare id (`3`) is accepted as well.
 */
import { onChainIdSchema } from "@/lib/wire/primitives";

/** The API name of model `id`. */
export function modelName(id: bigint): string {
  return `upstream-${id}`;
}

/** The registry id a model name stands for, or null when it is not a marketplace model name. */
export function parseModelName(name: string): bigint | null {
  const parsed = onChainIdSchema.safeParse(name.trim().replace(/^upstream-/, ""));
  return parsed.success ? parsed.data : null;
}
