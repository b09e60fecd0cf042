// Property-based fuzzing of the reader and the model: no exception but NsnapError escapes,
// every run ends quickly, and whatever is accepted yields schema-valid output.
// NSNAP_FUZZ_RUNS raises the number of runs (CI keeps the default bound).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { loadView } from '../../src/source/load.js';
import { buildAnalysis } from '../../src/model/build.js';
import { NsnapError } from '../../src/errors.js';
import { parseStatus } from '../../src/procfs/status.js';
import { parseStat } from '../../src/procfs/stat.js';
import { parseCmdline } from '../../src/procfs/cmdline.js';
import { renderTreeText } from '../../src/render/tree-text.js';
import { renderPsText } from '../../src/render/ps-text.js';
import { PLAIN } from '../../src/render/style.js';
import { tarBytes, tmpFile, validItems } from '../helpers/tarball.js';
import { writeFakeProc, type FakeProc } from '../helpers/fake-proc.js';

const RUNS = Number(process.env.NSNAP_FUZZ_RUNS ?? 60);
const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync('schemas/analysis.schema.json', 'utf8')) as object,
);

async function readAndAnalyse(file: string): Promise<'ok' | 'invalid' | 'refused'> {
  try {
    const view = await loadView(file);
    if (view.problems.length > 0) return 'invalid';
    const a = buildAnalysis([view]);
    expect(validate(JSON.parse(JSON.stringify(a))), JSON.stringify(validate.errors)).toBe(true);
    renderTreeText(a, { type: 'pid', processes: true }, PLAIN);
    return 'ok';
  } catch (e) {
    if (e instanceof NsnapError) return 'refused';
    throw e;
  }
}

describe('fuzzing the archive reader', () => {
  it('survives mutated tarballs: byte flips, cuts and splices', async () => {
    const tar = await tarBytes(validItems());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: tar.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.option(fc.nat({ max: tar.length }), { nil: undefined }),
        fc.boolean(),
        async (flips, cut, compress) => {
          const bytes = Buffer.from(tar);
          for (const [at, value] of flips) bytes[at] = value;
          const body = cut === undefined ? bytes : bytes.subarray(0, cut);
          const file = tmpFile('fuzz.tar.gz', compress ? gzipSync(body) : body);
          const started = Date.now();
          await readAndAnalyse(file);
          expect(Date.now() - started).toBeLessThan(5000);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the procfs parsers', () => {
  it('never throws on arbitrary status, stat and cmdline text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 300 }), (text, raw) => {
        parseStatus(text, []);
        parseStat(text, []);
        parseCmdline(Buffer.from(raw));
      }),
      { numRuns: RUNS * 10 },
    );
  });
});

describe('fuzzing the model', () => {
  const proc = fc.record({
    pid: fc.integer({ min: 1, max: 40 }),
    ppid: fc.integer({ min: 0, max: 40 }),
    nspid: fc.option(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), { nil: null }),
    comm: fc.constantFrom('sh', 'sleep', 'init', 'a) b', '\u001b[31mx'),
    ns: fc.record({ pid: fc.constantFrom(4026531836, 4026532001, 4026532002, 4026532003) }, { requiredKeys: [] }),
    starttime: fc.integer({ min: 0, max: 50 }),
  });
  it('builds a schema-valid analysis from any set of processes, alone and merged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(proc, { selector: (p) => p.pid, minLength: 1, maxLength: 12 }),
        fc.uniqueArray(proc, { selector: (p) => p.pid, minLength: 1, maxLength: 8 }),
        async (a, b) => {
          const fix = (p: (typeof a)[number]): FakeProc => ({ ...p, nspid: p.nspid === null ? null : [p.pid, ...p.nspid] });
          const v1 = await loadView(writeFakeProc({ procs: a.map(fix) }));
          const v2 = await loadView(writeFakeProc({ procs: b.map(fix) }));
          for (const views of [[v1], [v1, v2]]) {
            const analysis = buildAnalysis(views);
            expect(validate(JSON.parse(JSON.stringify(analysis))), JSON.stringify(validate.errors)).toBe(true);
            renderTreeText(analysis, { type: 'pid', processes: true }, PLAIN);
            renderPsText(analysis.processes, PLAIN);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
