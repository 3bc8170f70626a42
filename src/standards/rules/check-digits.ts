/*
 * Check digits of identifiers that the schemas can only check by pattern.
 */

/** ISO 6346 letter values: A=10, then 12…38 skipping multiples of 11 (11, 22, 33). */
const LETTER_VALUES: Record<string, number> = (() => {
  const out: Record<string, number> = {};
  let v = 10;
  for (let i = 0; i < 26; i++) {
    if (v % 11 === 0) v++;
    out[String.fromCharCode(65 + i)] = v++;
  }
  return out;
})();

/**
 * The ISO 6346 check digit of the first 10 characters of a container number
 * (owner code 3 letters, category U/J/Z, serial 6 digits). Sum of value × 2^position, mod 11, 10 → 0.
 * @throws Error when the first 10 characters are not of that form.
 */
export function iso6346CheckDigit(first10: string): number {
  if (!/^[A-Z]{3}[UJZ][0-9]{6}$/.test(first10)) throw new Error(`not an ISO 6346 owner code + serial: ${first10}`);
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const ch = first10[i]!;
    const value = i < 4 ? LETTER_VALUES[ch]! : Number(ch);
    sum += value * 2 ** i;
  }
  return (sum % 11) % 10;
}

/** True when `s` is an ISO 6346 container number whose 11th digit is its check digit. */
export function isValidContainerNumber(s: string): boolean {
  if (!/^[A-Z]{3}[UJZ][0-9]{7}$/.test(s)) return false;
  return iso6346CheckDigit(s.slice(0, 10)) === Number(s[10]);
}

/**
 * The IMO ship number check digit of its first 6 digits: Σ digit × (7 − position), last decimal digit.
 * @throws Error when not 6 digits.
 */
export function imoCheckDigit(first6: string): number {
  if (!/^[0-9]{6}$/.test(first6)) throw new Error(`not six digits: ${first6}`);
  let sum = 0;
  for (let i = 0; i < 6; i++) sum += Number(first6[i]) * (7 - i);
  return sum % 10;
}

/** True for `IMO` + 7 digits (or 7 bare digits) whose last digit is the check digit. */
export function isValidImoNumber(s: string): boolean {
  const m = /^(?:IMO)?([0-9]{7})$/.exec(s);
  if (!m) return false;
  return imoCheckDigit(m[1]!.slice(0, 6)) === Number(m[1]![6]);
}
