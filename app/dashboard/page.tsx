import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { PageHeader, SectionTitle } from "@/components/page-header";
import { AccountDashboard } from "./_components/account-dashboard";

export const metadata: Metadata = { title: "Dashboard" };

export default function DashboardPage() {
  return (
    <>
      <PageHeader title="Dashboard" lead="Your money in the market: deposit to pay for inferences, and claim what your models and records earn." />
      <AccountDashboard />
      <section className="mt-10">
        <SectionTitle>Earnings by inference</SectionTitle>
        <EmptyState title="No earnings recorded yet" testId="earnings-empty">
          Each paid inference that draws on your records or runs your model credits you on chain; those credits
          will be listed here, inference by inference.
        </EmptyState>
      </section>
    </>
  );
}
