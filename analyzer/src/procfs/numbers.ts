// Strict decimal parsing for kernel fields. Snapshots are untrusted: "12abc", "-1",
// "1e3" and 2^64 must all be refused rather than coerced by Number().

/** Largest PID the kernel allows (PID_MAX_LIMIT on 64-bit). */
export const PID_MAX = 4_194_304;

const DIGITS = /^[0-9]{1,15}$/;

/** A non-negative integer within the safe range, or null. */
export function parseUint(text: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (!DIGITS.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

export function parsePid(text: string): number | null {
  const n = parseUint(text, PID_MAX);
  return n === null || n === 0 ? null : n;
}
