// /proc/PID/cmdline: NUL-separated argv, empty for kernel threads and zombies. Untrusted
// snapshots may hold invalid UTF-8 or megabytes here, so decoding is lossy and capped.

const MAX_ARGS = 256;
const MAX_CHARS = 8192;

export function parseCmdline(data: Buffer): string[] {
  if (data.length === 0) return [];
  const text = data.subarray(0, MAX_CHARS * 4).toString('utf8');
  const parts = text.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const out: string[] = [];
  let chars = 0;
  for (const p of parts) {
    if (out.length >= MAX_ARGS || chars >= MAX_CHARS) {
      out.push('…');
      break;
    }
    const piece = p.length + chars > MAX_CHARS ? `${p.slice(0, MAX_CHARS - chars)}…` : p;
    out.push(piece);
    chars += piece.length;
  }
  return out;
}
