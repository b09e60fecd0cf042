// Strict decimal parsing for kernel fields. Snapshots are untrusted: "12abc", "-1",
// "1e3" and 2^64 must all be refused rather than coerced by Number().

/** Largest PID the kernel allows (PID_MAX_LIMIT on 64-bit). */
export const PID_MAX = 4_194_304;

/** A non-negative integer within the safe range, or null: 1 to 15 ASCII digits only. */
export function parseUint(text: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const len = text.length;
  if (len === 0 || len > 15) return null;
  let n = 0;
  for (let i = 0; i < len; i += 1) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n <= max ? n : null;
}

export function parsePid(text: string): number | null {
  const n = parseUint(text, PID_MAX);
  return n === null || n === 0 ? null : n;
}
