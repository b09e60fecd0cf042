// The build's prepared artefacts (analyzer/src/prepared.ts): they must be current, agree
// with a run-time compile, and be ignored the moment their source text differs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSchemaText, preparedRules, preparedValidatorPath, schemaValidator } from '../../src/prepared.js';
import { BUILTIN_RULES_DIR, loadRules, parseRulesText } from '../../src/roles/index.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { loadView } from '../../src/source/load.js';

const schemaText = (name: string): string => readFileSync(join(PROJECT_ROOT, 'schemas', name), 'utf8');

describe('prepared validators', () => {
  it('are built from the current schema text and are the ones in use', () => {
    for (const name of ['manifest.schema.json', 'rules.schema.json']) {
      expect(readFileSync(preparedValidatorPath(name), 'utf8')).toContain(JSON.stringify(schemaText(name)));
      expect((schemaValidator(name) as { sourceText?: string }).sourceText).toBe(schemaText(name));
    }
  });

  it('agree with a run-time compile on real manifests and broken copies of them', async () => {
    const view = await loadView(
      join(
        PROJECT_ROOT,
        'samples',
        'wsl',
        'gui-on',
        readdirSync(join(PROJECT_ROOT, 'samples', 'wsl', 'gui-on')).find((n) => n.endsWith('.tar.gz')) as string,
      ),
    );
    const good = JSON.parse(JSON.stringify(view.manifest)) as Record<string, unknown>;
    const cases: unknown[] = [
      good,
      { ...good, format_version: 2 },
      { ...good, env: { ...(good.env as object), UNKNOWN_FIELD: 'x' } },
      { ...good, counts: { processes: -1 } },
      { ...good, denied: 'none' },
      JSON.parse('{"__proto__": {"x": 1}, "format": "nsnap-snapshot"}'),
      null,
      [],
    ];
    const prepared = schemaValidator('manifest.schema.json');
    const runtime = compileSchemaText(schemaText('manifest.schema.json'));
    const verdicts = cases.map((c) => prepared(c));
    expect(verdicts[0]).toBe(true);
    expect(verdicts.slice(1).every((v) => v === false)).toBe(true);
    for (const c of cases) {
      expect(prepared(c)).toBe(runtime(c));
      expect(prepared.errors ?? null).toEqual(runtime(c) ? null : runtime.errors);
    }
  });
});

describe('prepared built-in rules', () => {
  const files = readdirSync(BUILTIN_RULES_DIR)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(BUILTIN_RULES_DIR, name), 'utf8') }));

  it('are used when the texts match, and equal a fresh parse', () => {
    const specs = preparedRules(files);
    expect(specs).not.toBeNull();
    const fresh = files.map((f) => JSON.parse(JSON.stringify(parseRulesText(f.text, f.name))) as unknown);
    expect(specs).toEqual(fresh);
  });

  it('are ignored when a text, a name or the number of files differs', () => {
    const edited = files.map((f, i) => (i === 0 ? { ...f, text: `${f.text}\n# edited\n` } : f));
    expect(preparedRules(edited)).toBeNull();
    const renamed = files.map((f, i) => (i === 0 ? { ...f, name: `x-${f.name}` } : f));
    expect(preparedRules(renamed)).toBeNull();
    expect(preparedRules(files.slice(1))).toBeNull();
  });

  it('give the same rule set as parsing every file', () => {
    const rules = loadRules().rules.map((r) => [r.name, r.role, r.priority, r.order]);
    const expected = files.flatMap((f) =>
      parseRulesText(f.text, f.name)
        .rules.filter((r) => r.enabled !== false)
        .map((r) => r.name),
    );
    expect(rules.map((r) => r[0])).toEqual(expected);
  });
});
