/**
 * One publication flow, declared once: draft (the server keeps what the wallet is to anchor and
 * answers the registry call) → the user's wallet sends it → confirm (the registry's event in the
 * receipt is checked against the draft — never against what the client says — and stored).
 * `send` runs all three from a wallet this process holds (seeding, tests).
 */
import type { Address, Hex } from "viem";
import type { DbOrTransaction } from "@/db/client";
import {
  type ChainWallet,
  minedReceipt,
  type RegistryCall,
  type RegistryConnection,
  type RegistryEvent,
  type RegistryEventName,
  registryEvent,
  sendRegistryCall,
} from "./chain";
import type { DraftStores } from "./drafts";

/** A contract call for the user's wallet to send, with amounts as decimal strings in JSON. */
export type WalletCall = RegistryCall & {
  /** The contract to call. */
  address: Address;
};

/** What holds the drafts awaiting confirmation: the server's (its MarketplaceContext), or a test's. */
export type DraftHolder = {
  /** The server's draft stores (`createDraftStores`). */
  drafts: DraftStores;
};

/** The decoded arguments of registry event `E`. */
export type RegistryEventArgs<E extends RegistryEventName> = RegistryEvent<E>["args"];

/** What {@link PublicationDefinition.store} is given: the confirmed event and the draft it confirms. */
export type StorePublicationParameters<Draft, E extends RegistryEventName> = RegistryConnection & {
  /** Where the rows go. */
  db: DbOrTransaction;
  /** The registry's event in the confirmed transaction's receipt. */
  event: RegistryEvent<E>;
  /** The draft the event anchors, if the caller holds one (asked only when needed). */
  draft: () => Draft | undefined;
};

/** A publication flow's specifics; {@link definePublication} makes the flow of them. */
export type PublicationDefinition<Draft, E extends RegistryEventName, Confirmed, Terms = void> = {
  /** Names this flow's store among the server's drafts awaiting confirmation. */
  drafts: string;
  /** The key a draft is kept under: `eventKey` of the event that will confirm it. */
  draftKey: (draft: Draft) => string;
  /** The registry call that anchors a draft; `terms` are what it carries beyond the draft (a stake, a price). */
  call: (draft: Draft, terms: Terms) => RegistryCall;
  /** The registry event the call emits. */
  event: E;
  /** The key of the draft an event confirms. */
  eventKey: (args: RegistryEventArgs<E>) => string;
  /**
   * Checks the event against the draft, stores it, and answers what was stored; throws
   * DraftNotFoundError or ReceiptMismatchError. Idempotent: a repeated confirmation answers
   * what the first one stored.
   */
  store: (params: StorePublicationParameters<Draft, E>) => Promise<Confirmed>;
};

/** Parameters of {@link Publication.confirm}. */
export type ConfirmPublicationParameters<Draft, E extends RegistryEventName> = RegistryConnection & {
  /** Where the rows go. */
  db: DbOrTransaction;
  /** The transaction the user's wallet sent. */
  txHash: Hex;
  /** The draft an event anchors, if this caller holds one: `held`, a copy the client sent again, a plan. */
  draftFor: (args: RegistryEventArgs<E>) => Draft | undefined;
  /** The drafts to forget the confirmed one in; none for a caller that keeps none (a script). */
  drafts?: DraftStores;
};

/** Parameters of {@link Publication.send}. */
export type SendPublicationParameters = RegistryConnection & {
  /** Where the rows go. */
  db: DbOrTransaction;
  /** The wallet that sends the call (approvals, e.g. of a stake, are the caller's). */
  wallet: ChainWallet;
  /** The drafts to forget a browser's identical draft in, if the caller keeps any. */
  drafts?: DraftStores;
};

/** A publication flow: draft, confirm, or both at once from a wallet this process holds. */
export type Publication<Draft, E extends RegistryEventName, Confirmed, Terms = void> = {
  /** Keeps `draft` in `connection.drafts` until its confirmation and answers the call the user's wallet is to send. */
  draft: (connection: Pick<RegistryConnection, "registry"> & DraftHolder, draft: Draft, terms: Terms) => WalletCall;
  /** The draft `holder` keeps for an event, if any. */
  held: (holder: DraftHolder, args: RegistryEventArgs<E>) => Draft | undefined;
  /** A `draftFor` that takes the draft `holder` keeps, else `resent` if it is the one the event anchors. */
  heldOr: (holder: DraftHolder, resent: Draft | undefined) => (args: RegistryEventArgs<E>) => Draft | undefined;
  /**
   * Reads the receipt of `txHash`, takes our registry's event from it, checks it against its
   * draft and stores it; then forgets the draft (in `drafts`, if given). Throws TransactionNotFoundError,
   * TransactionRevertedError, EventNotFoundError, DraftNotFoundError or ReceiptMismatchError.
   */
  confirm: (params: ConfirmPublicationParameters<Draft, E>) => Promise<Confirmed>;
  /** Sends the draft's call from `wallet`, waits for it, and confirms it. */
  send: (params: SendPublicationParameters, draft: Draft, terms: Terms) => Promise<Confirmed>;
};

/** The flow of a publication declared by its draft key, registry call, event and store. */
export function definePublication<Draft, E extends RegistryEventName, Confirmed, Terms = void>(
  definition: PublicationDefinition<Draft, E, Confirmed, Terms>,
): Publication<Draft, E, Confirmed, Terms> {
  const store = (drafts: DraftStores) => drafts.of<Draft>(definition.drafts);
  const matching = (draft: Draft | undefined) => (args: RegistryEventArgs<E>) =>
    draft !== undefined && definition.draftKey(draft) === definition.eventKey(args) ? draft : undefined;
  const held = ({ drafts }: DraftHolder, args: RegistryEventArgs<E>) => store(drafts).get(definition.eventKey(args));

  async function confirm({ txHash, draftFor, drafts, ...connection }: ConfirmPublicationParameters<Draft, E>): Promise<Confirmed> {
    const receipt = await minedReceipt(connection.client, txHash);
    const event = registryEvent(receipt, connection.registry, definition.event);
    const confirmed = await definition.store({ ...connection, event, draft: () => draftFor(event.args) });
    if (drafts) store(drafts).delete(definition.eventKey(event.args));
    return confirmed;
  }

  return {
    draft(connection, draft, terms) {
      store(connection.drafts).put(definition.draftKey(draft), draft);
      return { address: connection.registry, ...definition.call(draft, terms) };
    },
    held,
    heldOr: (holder, resent) => (args) => held(holder, args) ?? matching(resent)(args),
    confirm,
    async send({ wallet, ...connection }, draft, terms) {
      const receipt = await sendRegistryCall(wallet, connection, definition.call(draft, terms));
      return confirm({ ...connection, txHash: receipt.transactionHash, draftFor: matching(draft) });
    },
  };
}
