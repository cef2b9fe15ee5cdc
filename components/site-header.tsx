"use client";
import { ConnectButton } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { ThemeToggle } from "./theme-toggle";

const navigation = [
  { href: "/", label: "Marketplace" },
  { href: "/dashboard", label: "Dashboard" },
  { href: "/explorer", label: "Explorer" },
  { href: "/keys", label: "API keys" },
] as const;

function isActive(pathname: string, href: string): boolean {
  // Datanet and model pages belong to the marketplace.
  if (href === "/") return pathname === "/" || pathname.startsWith("/datanets") || pathname.startsWith("/models");
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** The top bar: brand, the sections, and the wallet button. */
export function SiteHeader() {
  const pathname = usePathname();
  return (
    <header className="sticky top-0 z-20 border-b border-stone-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex max-w-page flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 text-lg font-semibold text-stone-900 hover:no-underline">
          <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-brand-700 text-sm font-bold text-white">
            U
          </span>
          Upstream
        </Link>
        <nav aria-label="Main" className="order-3 -mx-1 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
          {navigation.map((item) => {
            const active = isActive(pathname, item.href);
            return (
              <Link
                key={item.href}
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={`whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium hover:no-underline ${
                  active ? "bg-brand-50 text-brand-800" : "text-stone-600 hover:bg-stone-100 hover:text-stone-900"
                }`}
              >
                {item.label}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex items-center gap-2 sm:gap-3">
          <Link
            href="/datanets/new"
            data-testid="nav-publish"
            aria-current={pathname === "/datanets/new" ? "page" : undefined}
            className="whitespace-nowrap rounded-md border border-brand-700 px-3 py-1.5 text-sm font-medium text-brand-800 hover:bg-brand-50 hover:no-underline"
          >
            Publish<span className="hidden sm:inline"> a datanet</span>
          </Link>
          <Link
            href="/models/new"
            data-testid="nav-publish-model"
            aria-current={pathname === "/models/new" ? "page" : undefined}
            className="whitespace-nowrap rounded-md border border-brand-700 px-3 py-1.5 text-sm font-medium text-brand-800 hover:bg-brand-50 hover:no-underline"
          >
            <span className="sm:hidden">Model</span>
            <span className="hidden sm:inline">Publish a model</span>
          </Link>
          <ThemeToggle />
          <ConnectButton
            chainStatus={{ smallScreen: "none", largeScreen: "icon" }}
            accountStatus={{ smallScreen: "avatar", largeScreen: "full" }}
            showBalance={false}
          />
        </div>
      </div>
    </header>
  );
}
