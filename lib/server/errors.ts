/** The configured settler key is not the account the market's permits name. */
export class SettlerKeyMismatchError extends Error {
  readonly code = "SETTLER_KEY_MISMATCH";
  constructor(
    readonly configured: string,
    readonly deployed: string,
  ) {
    super(`SETTLER_PRIVATE_KEY is for ${configured}, but the deployment's settler is ${deployed}`);
  }
}
