/**
 * Errors of publishing and contributing. Each has a stable `code` and the HTTP status the API
 * answers with (see lib/errors.ts).
 */
import { UpstreamError } from "@/lib/errors";

/** Records that cannot be contributed: empty, too large, not valid UTF-8, too many. */
export class InvalidRecordsError extends UpstreamError {
  readonly code = "INVALID_RECORDS";
  readonly status = 400;
}

/** No datanet with this id is stored. */
export class DatanetNotFoundError extends UpstreamError {
  readonly code = "DATANET_NOT_FOUND";
  readonly status = 404;
  constructor(readonly datanetId: bigint) {
    super(`No datanet ${datanetId} is published`);
  }
}

/** No record at this position of this contribution. */
export class RecordNotFoundError extends UpstreamError {
  readonly code = "RECORD_NOT_FOUND";
  readonly status = 404;
  constructor(datanetId: bigint, contributionId: bigint, position: number) {
    super(`Contribution ${contributionId} of datanet ${datanetId} has no record ${position}`);
  }
}

/** A drafted record copies earlier records of the datanet (containment at least 0.8): refused before anything is anchored. */
export class ContributionCopiesEarlierError extends UpstreamError {
  readonly code = "CONTRIBUTION_COPIES_EARLIER";
  readonly status = 409;
  constructor(datanetId: bigint, position: number, check: { containment: number; copies: { id: string; tokens: number }[] }) {
    const source = check.copies[0]?.id ?? "";
    super(
      `Record ${position} copies earlier records of datanet ${datanetId}: ${Math.round(check.containment * 100)}% of its words are in them, most from record ${source}`,
      { details: { position, copies: source, containment: Math.round(check.containment * 1000) / 1000 } },
    );
  }
}

/** The datanet is closed (its stake is unstaking or slashed): the registry takes no more contributions to it. */
export class DatanetClosedError extends UpstreamError {
  readonly code = "DATANET_CLOSED";
  readonly status = 409;
  constructor(readonly datanetId: bigint) {
    super(`Datanet ${datanetId} is closed: it takes no more contributions`);
  }
}
