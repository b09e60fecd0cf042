// What a kernel release string (`uname -r`, /proc/sys/kernel/osrelease) says about WSL.
// WSL 2 kernels end in "-microsoft-standard-WSL2"; WSL 1 reports "-Microsoft".

/** Is this a kernel Microsoft builds for WSL (either version)? */
export function isWslKernel(release: string | null): boolean {
  return release !== null && /microsoft/i.test(release);
}

/** The WSL version a kernel release names: '2', '1', or null for another kernel. */
export function wslVersionOf(release: string | null): string | null {
  if (release === null) return null;
  if (/WSL2/i.test(release)) return '2';
  if (/Microsoft/.test(release)) return '1';
  return null;
}
