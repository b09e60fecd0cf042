// Global setup of the test run: every test writes its temporary files into one folder of
// its own (TMPDIR, which os.tmpdir(), mktemp and the collector all honour), and at the end
// of the run that folder must be empty: a test that leaves files behind fails the run,
// naming what it left. The folder is removed either way, so /tmp is left as it was found.
// Other engineers' runs on the same machine write to /tmp too; only this run's folder is
// judged, so their files never fail this run. Likewise for processes: everything a test
// starts on the host inherits NSNAP_TEST_RUN_DIR, and whatever still carries this run's
// value at the end was left behind (killed, and named in the failure).

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Processes that carry this run's folder in their environment, other than vitest itself
 * and its workers (its children, which may still be exiting): `PID (command line)`.
 */
function leftProcesses(dir: string): { pid: number; what: string }[] {
  const mark = `NSNAP_TEST_RUN_DIR=${dir}\0`;
  const found: { pid: number; what: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').includes(mark)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(name), what: `${name} (${cmd.slice(0, 120)})` });
    } catch {
      // gone, or not ours to read
    }
  }
  return found.sort((a, b) => a.pid - b.pid);
}

export default function setup(): () => Promise<void> | void {
  // Vitest calls a global setup once for the root config and once per project; the
  // first call owns the run's folder, the others share it.
  if (process.env.NSNAP_TEST_RUN_DIR !== undefined) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-test-run-'));
  process.env.NSNAP_TEST_RUN_DIR = dir;
  // Sticky and world-writable like /tmp: the collector tests run as nobody.
  chmodSync(dir, 0o1777);
  // One world-readable copy of the collector for the whole run (tests run it as nobody,
  // and a checkout may sit in a private folder). Made here rather than when a test file
  // loads, because a file whose tests all skip runs no afterAll to remove its own copy.
  const script = join(dir, 'collector');
  mkdirSync(script, { mode: 0o755 });
  chmodSync(script, 0o755);
  copyFileSync('collector/nsnap-collect.sh', join(script, 'nsnap-collect.sh'));
  chmodSync(join(script, 'nsnap-collect.sh'), 0o755);
  process.env.NSNAP_TEST_COLLECTOR = join(script, 'nsnap-collect.sh');
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return async () => {
    rmSync(script, { recursive: true, force: true });
    delete process.env.NSNAP_TEST_COLLECTOR;
    // A worker still exiting may be removing its last folders: give it up to 10 s.
    for (let i = 0; i < 100 && readdirSync(dir).length > 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    let procs = leftProcesses(dir);
    for (let i = 0; i < 50 && procs.length > 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      procs = leftProcesses(dir);
    }
    for (const p of procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    const left = readdirSync(dir).sort();
    rmSync(dir, { recursive: true, force: true });
    delete process.env.NSNAP_TEST_RUN_DIR;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const problems: string[] = [];
    if (procs.length > 0)
      problems.push(`the tests left ${procs.length} processes running (killed now): ${procs.map((p) => p.what).join(', ')}`);
    if (left.length > 0) {
      const shown = left.slice(0, 20).join(', ');
      problems.push(`the tests left ${left.length} entries in their TMPDIR (removed now): ${shown}${left.length > 20 ? ', …' : ''}`);
    }
    if (problems.length > 0) {
      // Vitest reports an error thrown here but still exits 0: set the exit code too.
      process.exitCode = 1;
      throw new Error(problems.join('; '));
    }
  };
}
