// What people type, as the API wants it.

/** Dollars typed by a person, as the API's cents; `undefined` when not a non-negative number. */
export function toCents(dollars: string): number | undefined {
  const value = Number(dollars);
  return dollars.trim() === "" || !Number.isFinite(value) || value < 0 ? undefined : Math.round(value * 100);
}

/** "a, b ,, c" as ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
