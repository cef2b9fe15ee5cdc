"use client";
import { darkTheme, lightTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ThemeProvider, useTheme } from "next-themes";
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
          <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
            <ThemedRainbowKit>{children}</ThemedRainbowKit>
          </ThemeProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </PublicConfigProvider>
  );
}

const rainbowThemes = {
  light: lightTheme({ accentColor: "#0e7490", borderRadius: "medium" }),
  dark: darkTheme({ accentColor: "#67e8f9", accentColorForeground: "#083344", borderRadius: "medium" }),
};

// Following the system, RainbowKit switches by the prefers-color-scheme media query itself.
const followSystem = { lightMode: rainbowThemes.light, darkMode: rainbowThemes.dark };

/** RainbowKit's buttons and modals in the page's theme: the toggle's choice, else the system's. */
function ThemedRainbowKit({ children }: { children: ReactNode }) {
  const { theme } = useTheme();
  return (
    <RainbowKitProvider
      appInfo={{ appName: "Upstream" }}
      theme={theme === "dark" ? rainbowThemes.dark : theme === "light" ? rainbowThemes.light : followSystem}
      modalSize="compact"
    >
      {children}
    </RainbowKitProvider>
  );
}
