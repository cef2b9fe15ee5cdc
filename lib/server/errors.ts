import { UpstreamError } from "@/lib/errors";

/** The configured settler key is not the account the market's permits name. */
export class SettlerKeyMismatchError extends UpstreamError {
  readonly code = "SETTLER_KEY_MISMATCH";
  readonly status = 500;
  constructor(
    readonly configured: string,
    readonly deployed: string,
  ) {
    super(`SETTLER_PRIVATE_KEY is for ${configured}, but the deployment's settler is ${deployed}`);
  }
}

/** The server was closed: nothing more starts on it. */
export class ServerClosedError extends UpstreamError {
  readonly code = "SERVER_CLOSED";
  readonly status = 503;
  constructor() {
    super("The server is shutting down");
  }
}
