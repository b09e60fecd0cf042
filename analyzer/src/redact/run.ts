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
import { writeBundle, writeSnapshot, type ProcEntry, type SnapshotSpec } from '../snapshot/writer.js';
import { BUNDLE_MANIFEST, checkBundleManifest, type BundleManifest } from '../snapshot/bundle-manifest.js';
import { MapFormatError, PseudonymMap } from './pseudonyms.js';
import { readInputForRedaction } from './read-input.js';
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

interface Prepared {
  redactor: Redactor;
  /** One plan per snapshot: a bundle has one per captured level, all with one map. */
  plans: ReturnType<typeof planRedaction>[];
  map: PseudonymMap;
  /** The redacted bundle manifest and top folder; null for a single snapshot. */
  bundle: { topFolder: string; manifest: string } | null;
}

/**
 * A bundle's manifest, redacted like any text, with each level's folder renamed as its
 * snapshot's top folder was.
 */
function redactBundleManifest(m: BundleManifest, redactor: Redactor, folders: Map<string, string>): string {
  const text = (v: string, where: string): string => redactor.text(v, `${BUNDLE_MANIFEST} ${where}`, 'text');
  const out: BundleManifest = {
    ...m,
    host: m.host == null ? (m.host ?? null) : text(m.host, 'host'),
    levels: m.levels.map((l) => ({
      ...l,
      ...(l.folder !== undefined ? { folder: folders.get(l.folder) ?? l.folder } : {}),
      ...(l.reason !== undefined ? { reason: redactor.text(l.reason, `${BUNDLE_MANIFEST} levels.${l.name}.reason`, 'text') } : {}),
      ...(l.how !== undefined ? { how: redactor.text(l.how, `${BUNDLE_MANIFEST} levels.${l.name}.how`, 'text') } : {}),
    })),
  };
  const problems = checkBundleManifest(out);
  if (problems.length > 0) {
    throw new NsnapError('INVALID_SNAPSHOT', `the redacted bundle manifest would be invalid: ${problems.join('; ')}`, { exitCode: 2 });
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

async function prepare(options: RedactOptions): Promise<Prepared> {
  // The map is loaded first: a bad map fails before minutes of reading.
  const map = loadMap(options.mapFile);
  const keep = parseKeep(options.keep);
  const input = await readInputForRedaction(options.input, options.limits, options.onRead);
  // One set of identities across every level: the same host or user gets one pseudonym.
  const ids = discoverIdentities(input.levels[0] as (typeof input.levels)[number], map);
  for (const raw of input.levels.slice(1)) {
    const more = discoverIdentities(raw, map);
    for (const h of more.hostnames) ids.addHostname(h);
    for (const u of more.usernames) ids.addUsername(u);
  }
  reserveIdentities(ids, map, keep);
  const redactor = new Redactor(map, keep, ids);
  const plans = input.levels.map((raw) => planRedaction(raw, redactor, { tool: options.tool, keep }));
  let bundle: Prepared['bundle'] = null;
  if (input.bundle !== null) {
    const folders = new Map(input.levels.map((raw, i) => [raw.topFolder, (plans[i] as (typeof plans)[number]).spec.topFolder]));
    let top = redactor
      .text(input.bundle.topFolder, '(top folder)', 'identity')
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 200);
    if (top === '' || /^\.+$/.test(top)) top = 'nsnap-bundle-redacted';
    bundle = { topFolder: top, manifest: redactBundleManifest(input.bundle.manifest, redactor, folders) };
  }
  return { redactor, plans, map, bundle };
}

/** Lists what `redact` would replace, without writing anything. */
export async function checkRedaction(options: RedactOptions): Promise<Finding[]> {
  const { redactor, plans } = await prepare(options);
  for (const plan of plans) for await (const p of plan.spec.processes as Iterable<ProcEntry>) void p;
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
  const { redactor, plans, map, bundle } = await prepare({ ...options, mapFile });

  let written = 0;
  const counted = (source: Iterable<ProcEntry>): Generator<ProcEntry> =>
    (function* (): Generator<ProcEntry> {
      for (const p of source) {
        written += 1;
        if (options.onWrite && written % 1024 === 0) options.onWrite(written);
        yield p;
      }
    })();
  const specs: SnapshotSpec[] = plans.map((plan) => ({ ...plan.spec, processes: counted(plan.spec.processes as Iterable<ProcEntry>) }));

  const outTemp = tempName(options.output);
  const mapTemp = tempName(mapFile);
  try {
    if (bundle === null) await writeSnapshot(outTemp, specs[0] as SnapshotSpec);
    else await writeBundle(outTemp, { ...bundle, levels: specs });
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
