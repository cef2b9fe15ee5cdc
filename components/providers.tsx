"use client";
import { lightTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { cookieToInitialState, WagmiProvider } from "wagmi";
import { PublicConfigProvider } from "@/lib/web/public-config-context";
import type { PublicConfig } from "@/lib/web/public-config-types";
import { createWagmiConfig } from "@/lib/web/wagmi";

/** Wallet, query cache and deployment config for every client component below it. */
export function Providers({ publicConfig, cookie, children }: { publicConfig: PublicConfig; cookie: string | null; children: ReactNode }) {
  // Created once per browser tab (and per server render), never shared between requests.
  const [config] = useState(() => createWagmiConfig(publicConfig));
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 2_000 } } }));
  const initialState = cookieToInitialState(config, cookie);
  return (
    <PublicConfigProvider value={publicConfig}>
      <WagmiProvider config={config} initialState={initialState}>
        <QueryClientProvider client={queryClient}>
          <RainbowKitProvider
            appInfo={{ appName: "Upstream" }}
            theme={lightTheme({ accentColor: "#0e7490", borderRadius: "medium" })}
            modalSize="compact"
          >
            {children}
          </RainbowKitProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </PublicConfigProvider>
  );
}
