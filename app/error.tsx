"use client";
import { Button } from "@/components/button";
import { EmptyState } from "@/components/empty-state";

/** A page that failed to load its data says so and offers a retry, instead of a blank screen. */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <EmptyState title="This page could not load its data">
      <p>{error.message || "The server could not read the marketplace data."}</p>
      <Button variant="secondary" className="mt-4" onClick={reset}>
        Try again
      </Button>
    </EmptyState>
  );
}
