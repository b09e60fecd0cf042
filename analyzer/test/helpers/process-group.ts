// Test processes that start others (`sh -c 'sleep 60'`: dash forks the sleep, so that sh
// keeps its own argv) run in a process group of their own, and are stopped as a group:
// a KILL to sh alone would leave the sleep to init, still running after the test.

import { spawn, type ChildProcess } from 'node:child_process';

/** Starts argv as the leader of a new process group, with no standard streams. */
export function spawnGroup(argv: string[]): ChildProcess {
  return spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore', detached: true });
}

/** SIGKILL to the whole group that `child` leads (nothing when it never started). */
export function killGroup(child: ChildProcess | null | undefined): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
