// Loading rules: the built-ins load; user files extend, override and disable them; bad
// files fail with the file, rule and field named; hostile YAML (alias bombs, __proto__
// keys, catastrophic regexes) is refused without harm.

import { scratchDir } from '../helpers/scratch.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NsnapError } from '../../src/errors.js';
import { loadRules, parseRulesText, RULES_ERROR_CODE } from '../../src/roles/index.js';
import { globMatch } from '../../src/glob.js';
import { regexProblem } from '../../src/roles/string-match.js';
import { analyse, kthreads, ns, project, ROOT } from './world.js';

const dir = scratchDir('nsnap-rules-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function error(f: () => unknown): NsnapError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NsnapError);
    return e as NsnapError;
  }
  throw new Error('expected an NsnapError');
}

describe('built-in rules', () => {
  it('load, with unique names', () => {
    const set = loadRules([]);
    expect(set.files).toEqual([
      'analyzer/rules/containers.yaml',
      'analyzer/rules/host.yaml',
      'analyzer/rules/sandboxes.yaml',
      'analyzer/rules/wsl.yaml',
    ]);
    expect(set.rules.map((r) => r.name)).toContain('wsl-system-distro');
    expect(new Set(set.rules.map((r) => r.name)).size).toBe(set.rules.length);
  });
});

describe('rule errors name the file, the rule and the field', () => {
  const cases: [string, string, RegExp][] = [
    [
      'unknown field',
      'rules:\n  - name: a\n    role: host\n    match: { inode: 1, colour: red }\n    label: x\n',
      /rule 'a' \(rules\[0\]\), field 'match\.colour': unknown field/,
    ],
    [
      'bad role',
      'rules:\n  - name: a\n    role: vm\n    match: {}\n    label: x\n',
      /rule 'a' \(rules\[0\]\), field 'role': must be equal to one of the allowed values/,
    ],
    ['missing label', 'rules:\n  - name: a\n    role: host\n    match: {}\n', /rule 'a' \(rules\[0\]\), field 'label': missing/],
    [
      'bad process test',
      'rules:\n  - name: b\n    role: host\n    match: { init: { comm: 5 } }\n    label: x\n',
      /rule 'b' \(rules\[0\]\), field 'match\.init\.comm'/,
    ],
    [
      'unknown variable',
      'rules:\n  - name: c\n    role: host\n    match: {}\n    label: "host {colour}"\n',
      /rule 'c', field 'label': unknown variable '\{colour\}'/,
    ],
    [
      'catastrophic regex',
      'rules:\n  - name: d\n    role: host\n    match: { init: { cmdline: { regex: "(a+)+$" } } }\n    label: x\n',
      /rule 'd', field 'match\.init\.cmdline': regex refused/,
    ],
    [
      'duplicate name',
      'rules:\n  - { name: e, role: host, match: {}, label: x }\n  - { name: e, role: host, match: {}, label: y }\n',
      /rule 'e' \(rules\[1\]\), field 'name': the name is used twice/,
    ],
    [
      'malformed glob',
      'rules:\n  - name: g\n    role: host\n    match: { init: { comm: "vi[m" } }\n    label: x\n',
      /rule 'g', field 'match\.init\.comm': '\[' at position 3 of 'vi\[m' is never closed; write '\\\[' for a literal bracket/,
    ],
    ['not YAML', 'rules: [\n', /not valid YAML/],
    ['no rules key', 'version: 1\n', /field 'rules': missing/],
  ];
  for (const [what, text, pattern] of cases) {
    it(what, () => {
      const path = file(`${what.replace(/ /g, '-')}.yaml`, text);
      const e = error(() => loadRules([path]));
      expect(e.code).toBe(RULES_ERROR_CODE);
      expect(e.exitCode).toBe(2);
      expect(e.message.startsWith(`${path}: `)).toBe(true);
      expect(e.message).toMatch(pattern);
    });
  }

  it('a missing file is NOT_FOUND', () => {
    expect(error(() => loadRules([join(dir, 'nope.yaml')])).code).toBe('NOT_FOUND');
  });
});

describe('hostile rule files', () => {
  it('an alias bomb fails fast', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i += 1)
      lines.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(', ')}]`,
      );
    lines.push('rules: []');
    const start = Date.now();
    const e = error(() => parseRulesText(lines.join('\n'), 'bomb.yaml'));
    expect(e.message).toMatch(/^bomb\.yaml: not valid YAML: Excessive alias count/);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('__proto__ and constructor keys are data, refused by the schema, and pollute nothing', () => {
    const e = error(() =>
      parseRulesText('rules:\n  - name: p\n    role: host\n    match: {}\n    label: x\n    __proto__: { polluted: true }\n', 'proto.yaml'),
    );
    expect(e.message).toMatch(/rule 'p' \(rules\[0\]\), field '__proto__': unknown field/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const e2 = error(() => parseRulesText('constructor: { prototype: { polluted: 1 } }\nrules: []\n', 'ctor.yaml'));
    expect(e2.message).toMatch(/field 'constructor': unknown field/);
    const e3 = error(() =>
      parseRulesText('rules:\n  - { name: q, role: host, match: { osRelease: { __proto__: x } }, label: x }\n', 'os.yaml'),
    );
    expect(e3.message).toMatch(/field 'match\.osRelease'/);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('regex guard and glob matching', () => {
    expect(regexProblem('(a+)+$')).not.toBeNull();
    expect(regexProblem('(a|aa)*')).not.toBeNull();
    expect(regexProblem('(x)\\1')).not.toBeNull();
    expect(regexProblem('a'.repeat(201))).not.toBeNull();
    expect(regexProblem('^/usr/(s?bin)/[a-z]+$')).toBeNull();
    expect(globMatch('Relay(*)', 'Relay(123)')).toBe(true);
    expect(globMatch('*docker-*.scope', '/system.slice/docker-ab.scope')).toBe(true);
    expect(globMatch('a*b*c', 'a'.repeat(4000))).toBe(false);
    expect(globMatch('\\*', '*')).toBe(true);
    expect(globMatch('?', '')).toBe(false);
  });
});

describe('user rules', () => {
  const w = {
    nsParent: { [ROOT]: null, 4026532500: ROOT },
    procs: [
      { nspid: [1], ppid: 0, ns: ROOT, comm: 'systemd', cmdline: ['/sbin/init'] },
      ...kthreads(),
      { nspid: [700], ppid: 1, ns: ROOT, comm: 'mybox', cmdline: ['/usr/bin/mybox', 'run'] },
      { nspid: [701, 1], ppid: 700, ns: 4026532500, comm: 'app', cmdline: ['app', '--serve'] },
    ],
  };

  it('extend the built-ins with a new rule', () => {
    const path = file(
      'mybox.yaml',
      [
        'rules:',
        '  - name: mybox',
        '    role: container',
        '    priority: 40',
        '    match:',
        '      initParent: { exe: mybox }',
        '      init: { cmdline: { prefix: "app " } }',
        '    label: "mybox container running {init.comm}"',
      ].join('\n'),
    );
    const a = analyse([project(w, ROOT)], loadRules([path]));
    expect(ns(a, 'pid:4026532500')).toMatchObject({ role: 'container', label: 'mybox container running app' });
    expect(ns(a, 'pid:4026532500').evidence).toEqual([
      `rule mybox: init app --serve (701@pid:${ROOT})`,
      `rule mybox: created by mybox (700@pid:${ROOT})`,
    ]);
  });

  it('override a built-in by name, and disable one', () => {
    const path = file(
      'override.yaml',
      [
        'rules:',
        '  - name: host',
        '    role: host',
        '    priority: 10',
        '    match: { inode: 4026531836 }',
        '    label: "my laptop"',
        '  - name: host-kernel-threads',
        '    enabled: false',
      ].join('\n'),
    );
    const set = loadRules([path]);
    expect(set.rules.filter((r) => r.name === 'host')).toHaveLength(1);
    expect(set.rules.some((r) => r.name === 'host-kernel-threads')).toBe(false);
    const a = analyse([project(w, ROOT)], set);
    expect(ns(a, `pid:${ROOT}`).label).toBe('my laptop');
  });
});
