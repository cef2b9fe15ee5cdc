import { shortHex } from "@/lib/web/format";

/** An address or hash shortened for reading, the full value on hover and for copying. */
export function Hex({ value, keep = 4 }: { value: string; keep?: number }) {
  return (
    <span title={value} className="font-mono text-[0.92em]">
      {shortHex(value, keep)}
    </span>
  );
}
