// The detectors on single strings: what each class catches, what must be left alone
// (process structure, versions, systemd units, container ids), and a property test that
// planted secrets never survive in random argv.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Identities } from '../../src/redact/identities.js';
import { PseudonymMap, pseudonymIndex } from '../../src/redact/pseudonyms.js';
import { Redactor } from '../../src/redact/redactor.js';
import { parseKeep } from '../../src/redact/rule-classes.js';

function redactor(hosts: string[] = [], users: string[] = [], keep: string[] = []): Redactor {
  const ids = new Identities();
  for (const h of hosts) ids.addHostname(h);
  for (const u of users) ids.addUsername(u);
  return new Redactor(new PseudonymMap(), parseKeep(keep), ids);
}

describe('free-text rules', () => {
  const table: [string, string][] = [
    ['--password=hunter2', '--password=[redacted]'],
    ['DB_PASSWORD=x1 other=y', 'DB_PASSWORD=[redacted] other=y'],
    ['https://h.example/cb?access_token=abc123&x=1', 'https://h.example/cb?access_token=[redacted]&x=1'],
    ['mysql --password secret1 -h db', 'mysql --password [redacted] -h db'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
    ['git clone https://tok:x-oauth@github.com/o/r', 'git clone https://[redacted]@github.com/o/r'],
    ['key AKIAIOSFODNN7EXAMPLE end', 'key [redacted] end'],
    ['a eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_ b', 'a [redacted] b'],
    ['to bob@corp.example.org now', 'to email1@example.invalid now'],
    ['bind 10.0.0.7:8080', 'bind 192.0.2.1:8080'],
    ['ip fe80::1%eth0 up', 'ip 2001:db8::1 up'],
    ['ether 00-1A-2B-3C-4D-5E', 'ether 02:00:00:00:00:01'],
  ];
  for (const [input, expected] of table) {
    it(`redacts ${JSON.stringify(input)}`, () => {
      expect(redactor().text(input, 'x', 'text')).toBe(expected);
    });
  }

  const untouched = [
    '5.15.153.1-microsoft-standard-WSL2',
    '#1 SMP Fri Mar 29 23:14:13 UTC 2024',
    '/usr/bin/pulseaudio --load=module-native-protocol-unix socket=/mnt/wslg/PulseServer auth-anonymous=true',
    '/usr/bin/weston --backend=rdp-backend.so --modules=wslgd-notify.so --xwayland --socket=wayland-0',
    'systemctl status user@1000.service',
    'listen 127.0.0.1 and 0.0.0.0 mask 255.255.255.0',
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    'Relay(1292)',
    '/usr/lib/x86_64-linux-gnu/libexec/some-helper --token-file=/run/secrets/t',
    'std::vector<int> a::b',
    'version 1.2.3.4.5',
    // Already pseudonyms: redacting twice changes nothing.
    'host1 user1 email3@example.invalid 192.0.2.9 2001:db8::a 02:00:00:00:00:03 [redacted]',
  ];
  for (const input of untouched) {
    it(`leaves ${JSON.stringify(input)} alone`, () => {
      expect(redactor(['ubuntu'], ['root']).text(input, 'x', 'text')).toBe(input);
    });
  }

  it('replaces only names in identity mode (container ids stay for the role rules)', () => {
    const r = redactor(['alices-laptop'], ['alice']);
    const cg = '0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/alices-laptop';
    expect(r.text(cg, 'c', 'identity')).toBe(cg.replace('alices-laptop', 'host1'));
  });

  it('matches names case-insensitively and as whole words', () => {
    const r = redactor(['DESKTOP-AB12'], ['alice']);
    expect(r.text('nsnap-desktop-ab12-x alice_files malice alice', 'x', 'text')).toBe('nsnap-host1-x user1_files malice user1');
  });

  it('takes the value after a secret-named option in argv', () => {
    const r = redactor();
    expect(r.argv(['app', '--token', 'abc', '--verbose', '--secret', '--x'], 'x')).toEqual([
      'app',
      '--token',
      '[redacted]',
      '--verbose',
      '--secret',
      '--x',
    ]);
    expect(r.argv(['app', '--password=a b&c'], 'x')).toEqual(['app', '--password=[redacted]']);
  });

  it('keeps literals and classes given with --keep', () => {
    const r = redactor(['myhost'], [], ['text:myhost', 'ips']);
    expect(r.text('myhost 10.1.1.1 --token=z', 'x', 'text')).toBe('myhost 10.1.1.1 --token=[redacted]');
  });
});

describe('pseudonyms', () => {
  it('round-trip through the map file and continue numbering', () => {
    const m = new PseudonymMap();
    expect(m.get('ipv4', '10.0.0.1')).toBe('192.0.2.1');
    expect(m.get('hostname', 'Alpha')).toBe('host1');
    expect(m.get('hostname', 'ALPHA')).toBe('host1');
    const again = PseudonymMap.fromJson(JSON.parse(JSON.stringify(m.toJson())));
    expect(again.get('hostname', 'alpha')).toBe('host1');
    expect(again.get('hostname', 'beta')).toBe('host2');
    expect(again.get('ipv4', '10.0.0.2')).toBe('192.0.2.2');
  });

  it('stay valid and distinct beyond the first documentation range', () => {
    const m = new PseudonymMap();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) seen.add(m.get('ipv4', `10.0.${Math.floor(i / 256)}.${i % 256}`));
    expect(seen.size).toBe(1000);
    for (const ip of seen) expect(pseudonymIndex('ipv4', ip)).not.toBeNull();
    for (let i = 0; i < 300; i += 1)
      seen.add(m.get('mac', `00:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`));
    expect(m.get('mac', '00:11:22:33:44:55')).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });
});

describe('property: planted secrets never leak from argv', () => {
  const word = fc.stringMatching(/^[a-z0-9/._-]{0,12}$/);
  const secret = fc.stringMatching(/^[A-Z][A-Za-z0-9!%+,.:;_~]{7,19}$/);
  const alnum = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${n}}$`));
  const planted: fc.Arbitrary<{ args: string[]; secret: string }> = fc.oneof(
    secret.map((s) => ({ args: [`--password=${s}`], secret: s })),
    secret.map((s) => ({ args: ['--api-key', s], secret: s })),
    secret.map((s) => ({ args: [`Authorization: Bearer ${s}`], secret: s })),
    secret.filter((s) => !/[:@]/.test(s)).map((s) => ({ args: [`https://me:${s}@host.example/p`], secret: s })),
    fc.stringMatching(/^[A-Z0-9]{16}$/).map((s) => ({ args: [`AKIA${s}`], secret: `AKIA${s}` })),
    alnum(36).map((s) => ({ args: [`ghp_${s}`], secret: `ghp_${s}` })),
    secret.map((s) => ({ args: [`GITHUB_TOKEN=${s}`], secret: s })),
  );

  it('holds for random positions and neighbours', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), planted, fc.array(word, { maxLength: 6 }), (before, p, after) => {
        const out = redactor()
          .argv([...before, ...p.args, ...after], 'x')
          .join('\0');
        return !out.includes(p.secret);
      }),
      { numRuns: 500 },
    );
  });
});
