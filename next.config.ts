import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // wagmi pulls @coinbase/cdp-sdk through its connectors; bundling it fails on its optional
  // @x402/* peers, and the database drivers carry native/wasm parts that must stay in Node.
  serverExternalPackages: ["@coinbase/cdp-sdk", "@electric-sql/pglite", "pg"],
  reactStrictMode: true,
  // Type-check the web app (and what it imports) during the build, not every script and test of
  // the repository: `npm run typecheck` covers those.
  typescript: { tsconfigPath: "app/tsconfig.json" },
  poweredByHeader: false,
  // Compression is the proxy's or CDN's job in front of a deployment; in the server it cost the
  // gateway about 4% of its CPU per paid answer (gzip of small JSON bodies) for no gain locally.
  compress: false,
};

export default nextConfig;
