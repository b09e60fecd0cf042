// Whether views may be merged at all: only views of one kernel are. Called once the
// nesting proofs are known, because they can show one kernel behind different boot ids.

import { NsnapError } from '../errors.js';
import type { ViewData } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { NestProof } from './pid-types.js';
import { UnionFind } from './union-find.js';

export interface BuildOptions {
  /** Merge views with different boot ids without proof (the CLI's --same-boot). */
  sameBoot?: boolean;
}

/**
 * Views of one kernel are merged; views of different boots are not. A boot id alone does
 * not decide it: LXC and systemd-nspawn give a container its own boot_id. Views with
 * different boot ids are merged when the nesting proofs connect them (see
 * docs/parent-edges.md, "One kernel, several boot ids"), or when the user says so.
 */
export function checkBoots(views: ViewData[], proofs: NestProof[], diags: DiagnosticSink, options: BuildOptions = {}): void {
  const known = views.filter((v) => v.bootId !== null);
  const boots = [...new Set(known.map((v) => v.bootId as string))].sort();
  if (boots.length > 1) {
    const uf = new UnionFind();
    for (const b of boots) uf.id(b);
    const used: string[] = [];
    for (const proof of proofs) {
      const a = views[proof.outer]?.bootId;
      const b = views[proof.inner]?.bootId;
      if (!proof.kernel || !a || !b || a === b) continue;
      uf.union(a, b);
      used.push(`views ${proof.outer} and ${proof.inner}: ${proof.note}`);
    }
    const list = known.map((v) => `${v.source}: ${v.bootId}`).join('; ');
    const connected = new Set(boots.map((b) => uf.findKey(b))).size === 1;
    if (connected) {
      diags.add('BOOT_ID_VIRTUALISED', `the views report ${boots.length} boot ids (${list}) but share one kernel: ${used.join('; ')}`, {
        bootIds: boots,
      });
    } else if (options.sameBoot) {
      diags.add('BOOT_FORCED', `views with ${boots.length} boot ids (${list}) were merged on --same-boot, without proof`, {
        bootIds: boots,
      });
    } else {
      throw new NsnapError(
        'BOOT_MISMATCH',
        `these views report different boot ids (${list}), and nothing proves that they come from one kernel: no namespace inode (other than the initial ones) whose init has the same start time in two of them, and no view whose init is exactly one process of another view (same start time, comm and NSpid suffix)`,
        {
          hint: 'if they were captured on one machine without a reboot (LXC and systemd-nspawn give a container its own boot_id), add --same-boot to merge them anyway',
        },
      );
    }
  }
  if (views.length > 1) {
    views.forEach((v, i) => {
      if (v.bootId === null) diags.add('BOOT_UNKNOWN', `view ${i} (${v.source}) has no boot_id; it is merged on trust`, {}, i);
    });
    const kernels = new Set(views.map((v) => v.kernelRelease).filter((k) => k !== null));
    if (kernels.size > 1)
      diags.add('VIEWS_CONTRADICT', `views of one boot report different kernels: ${[...kernels].join(', ')}`, {
        kernels: [...kernels] as string[],
      });
  }
}
