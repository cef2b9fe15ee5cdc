import Link from "next/link";
import { EmptyState } from "@/components/empty-state";

export default function AccountNotFound() {
  return (
    <EmptyState title="Not an account address" testId="account-not-found">
      An account page lives at <code className="font-mono">/accounts/0x…</code>: 0x followed by 40 hexadecimal digits (a mixed-case address
      must have a valid checksum). <Link href="/">Back to the marketplace</Link>
    </EmptyState>
  );
}
