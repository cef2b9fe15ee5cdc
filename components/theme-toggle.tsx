"use client";
import { useTheme } from "next-themes";
import { useEffect, useState } from "react";

const next = { system: "light", light: "dark", dark: "system" } as const;
const label = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" } as const;
const icon = { system: "◐", light: "☀", dark: "☾" } as const;

/** Cycles the colour theme: the system's (the default), light, dark. Kept in localStorage by next-themes. */
export function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  // The server cannot know the stored choice: render the system's until the browser says otherwise.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const current = mounted && (theme === "light" || theme === "dark") ? theme : "system";
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      data-theme={current}
      onClick={() => setTheme(next[current])}
      aria-label={`${label[current]}. Switch to ${next[current]}.`}
      title={label[current]}
      className="grid h-9 w-9 place-items-center rounded-md border border-stone-300 text-base text-stone-700 hover:bg-stone-100"
    >
      <span aria-hidden>{icon[current]}</span>
    </button>
  );
}
