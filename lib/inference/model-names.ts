/**
 * Model names in the OpenAI-compatible API: a marketplace model is `upstream-<id>`, where `<id>`
 * is its registry id (`upstream-3`). The bare id (`3`) is accepted as well.
 */

const NAME = /^(?:upstream-)?(0|[1-9]\d{0,77})$/;
const MAX_UINT256 = (1n << 256n) - 1n;

/** The API name of model `id`. */
export function modelName(id: bigint): string {
  return `upstream-${id}`;
}

/** The registry id a model name stands for, or null when it is not a marketplace model name. */
export function parseModelName(name: string): bigint | null {
  const match = NAME.exec(name.trim());
  if (!match) return null;
  const id = BigInt(match[1]);
  return id <= MAX_UINT256 ? id : null;
}
