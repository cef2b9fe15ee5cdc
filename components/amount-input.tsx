"use client";
import { useId, useState } from "react";
import { AmountFormatError, formatAmount, parseAmount } from "@/lib/web/format";
import { usePublicConfig } from "@/lib/web/public-config-context";

/** The typed amount parsed to base units, or why it is not an amount. */
export type ParsedAmount = { amount: bigint; error: null } | { amount: null; error: string | null };

/** Parses a typed amount; an empty field is not an error yet, just not an amount. */
export function readAmount(text: string, decimals: number): ParsedAmount {
  if (text.trim() === "") return { amount: null, error: null };
  try {
    const amount = parseAmount(text, decimals);
    return amount === 0n ? { amount: null, error: "Enter an amount above zero." } : { amount, error: null };
  } catch (error) {
    if (error instanceof AmountFormatError) return { amount: null, error: error.message };
    throw error;
  }
}

/** A money field's state: what was typed, and the amount it means if it is a usable one. */
export type AmountField = {
  /** The text in the field. */
  text: string;
  /** Replaces the text. */
  setText(text: string): void;
  /** The amount in base units, or null while the text is empty, malformed or over the limit. */
  amount: bigint | null;
  /** Why the text is not usable, for under the field. */
  error: string | null;
  /** The most it may be (a balance), offered by a Max button; null when nothing limits it. */
  max: bigint | null;
};

/**
 * State of a money field whose amount may not exceed `max` (`overMessage` says why); with
 * `offerMax`, the field offers a Max button that types `max` in (a balance, not an app's limit).
 */
export function useAmountField(max: bigint, overMessage: string, offerMax = false): AmountField {
  const { token } = usePublicConfig();
  const [text, setText] = useState("");
  const parsed = readAmount(text, token.decimals);
  const over = parsed.amount !== null && parsed.amount > max;
  return {
    text,
    setText,
    amount: over ? null : parsed.amount,
    error: parsed.error ?? (over ? overMessage : null),
    max: offerMax && max > 0n ? max : null,
  };
}

/** A money field: decimal keyboard on phones, the token symbol beside it, the parse error below. */
export function AmountInput({
  label,
  field,
  onEdit,
  testId,
}: {
  label: string;
  field: AmountField;
  /** Called on every edit, e.g. to clear the last transaction's status. */
  onEdit?: () => void;
  testId?: string;
}) {
  const id = useId();
  const { token } = usePublicConfig();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-stone-700">
        {label}
      </label>
      <div className="flex rounded-md border border-stone-300 bg-white focus-within:border-brand-600 focus-within:ring-1 focus-within:ring-brand-600">
        <input
          id={id}
          data-testid={testId}
          inputMode="decimal"
          autoComplete="off"
          placeholder="0.00"
          value={field.text}
          onChange={(event) => {
            field.setText(event.target.value);
            onEdit?.();
          }}
          aria-invalid={field.error ? true : undefined}
          className="min-w-0 flex-1 rounded-md bg-transparent px-3 py-2 text-base tabular-nums outline-none"
        />
        <span className="grid place-items-center px-3 text-sm text-stone-500">{token.symbol}</span>
        {field.max !== null ? (
          <button
            type="button"
            data-testid={testId ? `${testId}-max` : undefined}
            onClick={() => {
              field.setText(formatAmount(field.max!, token.decimals).replace(/,/g, ""));
              onEdit?.();
            }}
            className="m-1 rounded px-2 text-xs font-semibold text-brand-700 hover:bg-brand-50"
          >
            Max
          </button>
        ) : null}
      </div>
      {field.error ? <p className="mt-1 text-xs text-red-700">{field.error}</p> : null}
    </div>
  );
}
