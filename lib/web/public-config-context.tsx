"use client";
import { createContext, useContext } from "react";
import type { PublicConfig } from "./public-config-types";

const PublicConfigContext = createContext<PublicConfig | null>(null);

/** Makes the deployment's public configuration available to client components. */
export const PublicConfigProvider = PublicConfigContext.Provider;

/** The deployment's public configuration (chain, RPC, contract addresses, token). */
export function usePublicConfig(): PublicConfig {
  const value = useContext(PublicConfigContext);
  if (!value) throw new Error("usePublicConfig must be used inside <Providers>");
  return value;
}
