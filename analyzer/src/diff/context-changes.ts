// Changes around the namespaces: the WSL configuration (analysis.config) and the views
// each side was captured from. A view difference matters because a diff can only show
// what both captures could see.

import type { Analysis, ConfigModel } from '../model/types.js';
import type { Change, DiffView } from './types.js';
import { plural, value } from './words.js';

const CONFIG_KEYS = ['guiApplications', 'systemd', 'kernel', 'wslVersion', 'hostname'] as const;

export function configChanges(before: ConfigModel, after: ConfigModel): Change[] {
  const out: Change[] = [];
  const push = (key: string, from: boolean | string | null, to: boolean | string | null, sb: string | null, sa: string | null): void => {
    if (from === to) return;
    const src = sb !== null || sa !== null ? ` (from ${sb ?? 'nothing'} → ${sa ?? 'nothing'})` : '';
    out.push({
      kind: 'config-changed',
      before: null,
      after: null,
      summary: `${key}: ${value(from)} → ${value(to)}${src}`,
      key,
      from,
      to,
      sourceBefore: sb,
      sourceAfter: sa,
    });
  };
  for (const key of CONFIG_KEYS) push(key, before[key], after[key], before.sources[key] ?? null, after.sources[key] ?? null);
  // Per distro, by name: a distro that exists on one side only is a namespace change, not a setting.
  const afterByName = new Map(after.distros.map((d) => [d.name, d]));
  for (const d of before.distros) {
    const e = afterByName.get(d.name);
    if (!e) continue;
    for (const k of ['systemd', 'guiApplications'] as const) {
      const key = `distros.${d.name}.${k}`;
      push(key, d[k], e[k], before.sources[key] ?? null, after.sources[key] ?? null);
    }
  }
  return out;
}

export function diffViews(a: Analysis): DiffView[] {
  return a.views
    .map((v) => ({ label: v.label, kind: v.kind, level: v.level, privileged: v.privileged }))
    .sort((x, y) => viewKey(x).localeCompare(viewKey(y)));
}

/** True when the two sides' views are the same places but some labels differ. */
export function labelsOnlyDiffer(before: DiffView[], after: DiffView[]): boolean {
  if (viewChanges(before, after).length > 0) return false;
  return before.map(viewKey).join('\n') !== after.map(viewKey).join('\n');
}

function viewKey(v: DiffView): string {
  return `${v.level ?? '~'}|${v.label}|${v.privileged ? 'root' : 'user'}`;
}

/** What makes two views the same place to look from: level and privilege. */
function placeKey(v: DiffView): string {
  return `${v.level ?? '~'}|${v.privileged ? 'root' : 'user'}`;
}

/**
 * Views compare by level and privilege; a capture's label is a name the user chose, not
 * state, and the input kind (tarball or live) does not matter either. Renderers say once
 * in the header when only labels differ (labelsOnlyDiffer).
 */
export function viewChanges(before: DiffView[], after: DiffView[]): Change[] {
  const kb = before.map(placeKey).sort().join('\n');
  const ka = after.map(placeKey).sort().join('\n');
  if (kb === ka) return [];
  const describe = (vs: DiffView[]): string =>
    vs.map((v) => `${v.label} (${v.level ?? 'level unknown'}, ${v.privileged ? 'root' : 'not root'})`).join(', ') || 'none';
  return [
    {
      kind: 'view-changed',
      before: null,
      after: null,
      summary: `captured from other views: ${plural(before.length, 'view')} before [${describe(before)}], ${plural(after.length, 'view')} after [${describe(after)}]; part of the difference may only be what could be seen`,
      viewsBefore: before,
      viewsAfter: after,
    },
  ];
}
