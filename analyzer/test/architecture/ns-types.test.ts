// The namespace types are listed once per language: NS_TYPES and NS_LINK_NAMES in
// procfs/ns-link.ts, NS_LINKS in the collector, and the JSON Schemas' enums and id
// patterns, which cannot import anything. This holds the copies that cannot share a
// definition to the one that can, so that adding a type is one failing test away from
// being complete.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NS_LINK_NAMES, NS_TYPES } from '../../src/procfs/ns-link.js';

const sorted = (list: readonly string[]): string[] => [...list].sort();

function schema(name: string): { definitions: Record<string, { enum?: string[]; pattern?: string }> } {
  return JSON.parse(readFileSync(`schemas/${name}`, 'utf8')) as { definitions: Record<string, { enum?: string[]; pattern?: string }> };
}

/** The alternatives of the pattern's leading "^(a|b|c):" group. */
function patternTypes(pattern: string | undefined): string[] {
  const m = /^\^\(([a-z_|]+)\):/.exec(pattern ?? '');
  expect(m, `an id pattern that starts with the type list: ${pattern}`).not.toBeNull();
  return (m?.[1] ?? '').split('|');
}

describe('one list of namespace types', () => {
  it('every link name is a type, or a type with _for_children', () => {
    for (const name of NS_LINK_NAMES) expect(NS_TYPES as readonly string[]).toContain(name.replace(/_for_children$/, ''));
    for (const type of NS_TYPES) expect(NS_LINK_NAMES as readonly string[]).toContain(type);
  });

  it("the collector's NS_LINKS is NS_LINK_NAMES", () => {
    const script = readFileSync('collector/nsnap-collect.sh', 'utf8');
    const m = /^NS_LINKS='([a-z_ ]+)'$/m.exec(script);
    expect(m, 'collector/nsnap-collect.sh defines NS_LINKS on one line').not.toBeNull();
    expect(sorted((m?.[1] ?? '').split(' '))).toEqual(sorted(NS_LINK_NAMES));
    // and nowhere else: every loop over the types reads NS_LINKS.
    expect(script.match(/pid_for_children/g) ?? []).toHaveLength(1);
  });

  it.each(['analysis.schema.json', 'diff.schema.json'])('%s lists NS_TYPES in its enum and its id pattern', (file) => {
    const defs = schema(file).definitions;
    expect(sorted(defs.nsType?.enum ?? [])).toEqual(sorted(NS_TYPES));
    expect(sorted(patternTypes(defs.nsId?.pattern))).toEqual(sorted(NS_TYPES));
  });

  it("analysis.schema.json names one membership per type in a process's ns", () => {
    const text = JSON.parse(readFileSync('schemas/analysis.schema.json', 'utf8')) as {
      definitions: { process: { properties: { ns: { properties: Record<string, unknown> } } } };
    };
    expect(sorted(Object.keys(text.definitions.process.properties.ns.properties))).toEqual(sorted(NS_TYPES));
  });
});
