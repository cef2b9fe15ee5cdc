/** The page foot: which chain the app talks to, so a user knows where their money is. */
export function SiteFooter({ chainId, deployed }: { chainId: number; deployed: boolean }) {
  return (
    <footer className="border-t border-stone-200 bg-white">
      <div className="mx-auto flex max-w-page flex-wrap justify-between gap-2 px-4 py-4 text-xs text-stone-500 sm:px-6">
        <span>Upstream — paid inference, split on chain with the data behind it.</span>
        <span>
          Chain {chainId}
          {chainId === 31337 ? " (local)" : ""}
          {deployed ? "" : " · contracts not deployed"}
        </span>
      </div>
    </footer>
  );
}
