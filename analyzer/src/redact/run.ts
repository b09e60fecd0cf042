// Redaction end to end: read and validate the input, load the private map, redact, and
// write the output and the map atomically (temporary file, then rename), so a failure
// leaves neither a partial snapshot nor a map that disagrees with what was published.
// `checkRedaction` does the same work without writing anything.

import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Limits } from '../archive/limits.js';
import type { ReadProgress } from '../archive/tar-reader.js';
import { NsnapError, UsageError } from '../errors.js';
import { writeSnapshot, type ProcEntry } from '../snapshot/writer.js';
import { MapFormatError, PseudonymMap } from './pseudonyms.js';
import { readForRedaction } from './read-input.js';
import { Redactor, type Finding } from './redactor.js';
import { activeClasses, parseKeep, type RuleClass } from './rule-classes.js';
import { discoverIdentities, planRedaction, reserveIdentities } from './snapshot-redactor.js';

export interface RedactOptions {
  input: string;
  /** `--keep` values: class names, group names or literals. */
  keep: readonly string[];
  limits: Limits;
  /** The map file; for a check it is only read. */
  mapFile?: string;
  /** "nsnap 0.1.0", recorded in the output manifest. */
  tool: string;
  onRead?: ReadProgress;
  /** Called as processes are written (redact only). */
  onWrite?: (processes: number) => void;
}

export interface RedactResult {
  findings: Finding[];
  rules: RuleClass[];
  output: string;
  mapFile: string;
  /** Pseudonyms in the map after this run. */
  mapSize: number;
  warnings: string[];
}

function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // Not there yet: resolve the folder, which must exist for the rename anyway.
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function loadMap(file: string | undefined): PseudonymMap {
  if (file === undefined || !existsSync(file)) return new PseudonymMap();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NsnapError('IO_ERROR', `${file}: cannot read the map file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return PseudonymMap.fromJson(JSON.parse(text));
  } catch (e) {
    const why = e instanceof MapFormatError || e instanceof SyntaxError ? e.message : String(e);
    throw new NsnapError('IO_ERROR', `${file}: not an nsnap redaction map (${why})`, {
      hint: 'give the map file an earlier `nsnap redact` wrote, or a new path',
    });
  }
}

async function prepare(options: RedactOptions): Promise<{ redactor: Redactor; plan: ReturnType<typeof planRedaction>; map: PseudonymMap }> {
  // The map is loaded first: a bad map fails before minutes of reading.
  const map = loadMap(options.mapFile);
  const keep = parseKeep(options.keep);
  const raw = await readForRedaction(options.input, options.limits, options.onRead);
  const ids = discoverIdentities(raw, map);
  reserveIdentities(ids, map, keep);
  const redactor = new Redactor(map, keep, ids);
  const plan = planRedaction(raw, redactor, { tool: options.tool, keep });
  return { redactor, plan, map };
}

/** Lists what `redact` would replace, without writing anything. */
export async function checkRedaction(options: RedactOptions): Promise<Finding[]> {
  const { redactor, plan } = await prepare(options);
  for await (const p of plan.spec.processes as Iterable<ProcEntry>) void p;
  return redactor.findings();
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Refuses output and map paths that would overwrite the input or publish the map. */
export function checkPaths(input: string, output: string, mapFile: string): void {
  const inPath = canonical(input);
  const outPath = canonical(output);
  const mapPath = canonical(mapFile);
  const inputIsDir = existsSync(inPath) && statSync(inPath).isDirectory();
  if (outPath === inPath || (inputIsDir && inside(outPath, inPath))) {
    throw new UsageError(`-o ${output}: the output must not be the input${inputIsDir ? ' or inside it' : ''}`);
  }
  if (mapPath === outPath) throw new UsageError(`--map ${mapFile}: the map must not be the output snapshot`);
  if (mapPath === inPath || (inputIsDir && inside(mapPath, inPath))) {
    throw new UsageError(`--map ${mapFile}: the map must not be the input snapshot or inside it`);
  }
  if (existsSync(outPath) && statSync(outPath).isDirectory()) throw new UsageError(`-o ${output}: is a folder; name the .tar.gz to write`);
  if (!existsSync(dirname(outPath))) throw new UsageError(`-o ${output}: the folder ${dirname(output)} does not exist`);
  if (!existsSync(dirname(mapPath))) throw new UsageError(`--map ${mapFile}: the folder ${dirname(mapFile)} does not exist`);
}

/** Writes the redacted snapshot to `output` and the extended map to the map file (mode 0600). */
export async function redactToFile(options: RedactOptions & { output: string }): Promise<RedactResult> {
  const mapFile = options.mapFile ?? `${options.output}.map.json`;
  checkPaths(options.input, options.output, mapFile);
  const { redactor, plan, map } = await prepare({ ...options, mapFile });

  let written = 0;
  const source = plan.spec.processes as Iterable<ProcEntry>;
  const counted = (function* (): Generator<ProcEntry> {
    for (const p of source) {
      written += 1;
      if (options.onWrite && written % 1024 === 0) options.onWrite(written);
      yield p;
    }
  })();

  const outTemp = tempName(options.output);
  const mapTemp = tempName(mapFile);
  try {
    await writeSnapshot(outTemp, { ...plan.spec, processes: counted });
    options.onWrite?.(written);
    // 'wx' with mode 0600: the map is born private; chmod again for the umask-less case.
    writeFileSync(mapTemp, `${JSON.stringify(map.toJson(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(mapTemp, 0o600);
    renameSync(mapTemp, mapFile);
    renameSync(outTemp, options.output);
  } catch (e) {
    rmSync(outTemp, { force: true });
    rmSync(mapTemp, { force: true });
    throw e;
  }

  const warnings: string[] = [];
  const outName = basename(options.output).toLowerCase();
  for (const name of [...redactor.ids.hostnames, ...redactor.ids.usernames]) {
    if (outName.includes(name)) warnings.push(`the output file name contains '${name}'; rename it before sharing`);
  }
  return {
    findings: redactor.findings(),
    rules: activeClasses(redactor.keep),
    output: options.output,
    mapFile,
    mapSize: map.size(),
    warnings,
  };
}
