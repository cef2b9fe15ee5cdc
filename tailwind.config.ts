import type { Config } from "tailwindcss";

// Tailwind 4 reads this through `@config` in app/globals.css. The brand colours live in the CSS
// (`@theme` in app/globals.css): only theme variables can change under dark mode, and `@config`
// colours are written into each utility as literal values.
const config: Config = {
  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}", "./lib/web/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        sans: ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
      },
      maxWidth: { page: "72rem" },
    },
  },
};

export default config;
