// Highlight colours for the answer: one per contributor, in the order the split lists them.
const PALETTE = [
  "bg-amber-100 decoration-amber-500",
  "bg-sky-100 decoration-sky-500",
  "bg-emerald-100 decoration-emerald-500",
  "bg-rose-100 decoration-rose-500",
  "bg-violet-100 decoration-violet-500",
  "bg-lime-100 decoration-lime-600",
];

/** The highlight classes of the contributor at `rank` in the split (wrapping past the palette). */
export function contributorColor(rank: number): string {
  return PALETTE[((rank % PALETTE.length) + PALETTE.length) % PALETTE.length];
}
