import Link from "next/link";
import { Hex } from "./hex";

/** An address shortened for reading, linking to its profile (what it published, contributed and earned). */
export function AddressLink({ address, keep = 4 }: { address: string; keep?: number }) {
  return (
    <Link href={`/accounts/${address.toLowerCase()}`} data-testid="address-link">
      <Hex value={address} keep={keep} />
    </Link>
  );
}
