// Checking a snapshot the collector wrote. docs/format.md has one validator, the
// analyzer's: `nsnap validate` (entry names and types, namespace link targets, the
// manifest against its schema, counts.processes, proc/self against view.self_pid) runs
// here as a child process of the built CLI, because the collector tests call this
// synchronously. What this file adds are facts about a correct capture that the format
// alone does not demand: the top folder's name, canonical PID folder names, counts that
// agree with the lists beside them, and only permission errors among the denied reads.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NS_LINK_NAMES } from '../../src/procfs/ns-link.js';
import { extract, type Extracted } from './snapshot-files.js';

/** Every namespace link name a snapshot may hold: the analyzer's list. */
export const NS_LINKS: readonly string[] = NS_LINK_NAMES;

const NSNAP = resolve('bin/nsnap');
const BUILT = resolve('dist/cli/main.js');
const TOP_NAME = /^nsnap-[A-Za-z0-9._-]+-[0-9]{8}T[0-9]{6}Z$/;

/** What `nsnap validate` says is wrong with the tarball; empty when it is valid. */
function validatorProblems(tarball: string): string[] {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run 'npm run build' first (npm test does)`);
  const r = spawnSync(process.execPath, [NSNAP, 'validate', tarball], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  // Valid means exit 0 and the "ok" line, so a validator that printed nothing cannot pass.
  if (r.status === 0 && r.stdout.startsWith(`ok  ${tarball}: `)) return [];
  const lines = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('ok '))
    .map((l) => `nsnap validate: ${l.replace(`invalid  ${tarball}: `, '')}`);
  return lines.length > 0 ? lines : [`nsnap validate exited with ${r.status ?? r.signal}`];
}

/** The collector's own invariants, read from the extracted snapshot. */
function captureProblems(snap: Extracted): string[] {
  const problems: string[] = [];
  if (!TOP_NAME.test(snap.topName)) problems.push(`top folder name ${snap.topName}`);
  const procDir = join(snap.top, 'proc');
  const targets = new Set<string>();
  for (const name of readdirSync(procDir)) {
    if (!/^[0-9]+$/.test(name)) continue;
    // The analyzer reads 0123 as PID 123; the collector must never write it.
    if (name.startsWith('0')) problems.push(`PID with a leading zero: proc/${name}`);
    const nsDir = join(procDir, name, 'ns');
    if (!existsSync(nsDir)) continue;
    for (const link of readdirSync(nsDir)) targets.add(readlinkSync(join(nsDir, link)));
  }
  const m = snap.manifest;
  if (m.counts.namespaces !== targets.size) problems.push(`counts.namespaces ${m.counts.namespaces}, distinct targets ${targets.size}`);
  if (m.counts.denied !== m.denied.length) problems.push(`counts.denied ${m.counts.denied}, listed ${m.denied.length}`);
  if (m.counts.vanished !== m.vanished.length) problems.push(`counts.vanished ${m.counts.vanished}, listed ${m.vanished.length}`);
  if (m.counts.errors !== (m.errors ?? []).length) problems.push(`counts.errors ${m.counts.errors}, listed ${(m.errors ?? []).length}`);
  for (const d of m.denied) if (!['EACCES', 'EPERM'].includes(d.error)) problems.push(`denied with ${d.error}: ${d.path}`);
  const self = m.view.self_pid;
  if (self != null) {
    try {
      readlinkSync(join(procDir, 'self'));
    } catch {
      problems.push('no proc/self link');
    }
    if (!existsSync(join(procDir, String(self), 'status'))) problems.push(`proc/self -> ${self} has no status`);
  }
  return problems;
}

/**
 * Everything wrong with a snapshot tarball: the analyzer's validation, then the
 * collector's invariants. The tarball is also extracted with the system's tar, so a
 * tarball GNU tar cannot read fails here too. Empty problems when all holds.
 */
export function snapshotProblems(tarball: string): { snap: Extracted; problems: string[] } {
  const snap = extract(tarball);
  return { snap, problems: [...validatorProblems(tarball), ...captureProblems(snap)] };
}
