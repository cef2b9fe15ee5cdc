import "@rainbow-me/rainbowkit/styles.css";
import "./globals.css";
import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";
import { processServer } from "@/lib/server/root";

export const metadata: Metadata = {
  title: { default: "Upstream", template: "%s · Upstream" },
  description:
    "An AI marketplace where every paid inference is split on chain between the model owner and the data contributors whose data shaped the answer.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#0e7490" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The wallet connection lives in a cookie so the server renders the connected state.
  const cookie = (await headers()).get("cookie");
  const publicConfig = processServer().publicConfig();
  return (
    // next-themes sets the theme class on <html> before React hydrates: the one attribute allowed to differ.
    <html lang="en" suppressHydrationWarning>
      <body>
        <Providers publicConfig={publicConfig} cookie={cookie}>
          {/* Inside the providers: RainbowKit wraps its children in a div of its own. */}
          <div className="flex min-h-screen flex-col">
            <SiteHeader />
            <main className="mx-auto w-full max-w-page flex-1 px-4 py-6 sm:px-6 sm:py-10">{children}</main>
            <SiteFooter chainId={publicConfig.chainId} deployed={publicConfig.contracts !== null} />
          </div>
        </Providers>
      </body>
    </html>
  );
}
