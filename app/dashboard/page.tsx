import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { AccountDashboard } from "./_components/account-dashboard";

export const metadata: Metadata = { title: "Dashboard" };

export default function DashboardPage() {
  return (
    <>
      <PageHeader
        title="Dashboard"
        lead="Your money in the market: deposit to pay for inferences, and claim what your models and records earn."
      />
      <AccountDashboard />
    </>
  );
}
