import Link from "next/link";
import { EmptyState } from "@/components/empty-state";

export default function NotFound() {
  return (
    <EmptyState title="Not found">
      Nothing is published under this address. <Link href="/">Back to the marketplace</Link>
    </EmptyState>
  );
}
