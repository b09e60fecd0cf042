// One benchmark stage in a fresh process, so its peak RSS is its own. Prints one JSON line:
// { seconds, maxRssMb }. Usage: node stage.mjs ROOT load|build|roles|render|merge|diff FILE...
// diff takes two files (before, after) and times diffAnalyses alone.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, stage, ...files] = process.argv.slice(2);
const imp = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { loadView } = await imp('source/load.js');
const { buildAnalysis } = await imp('model/build.js');
const { renderTreeText } = await imp('render/tree-text.js');
const { writeSerialized } = await imp('render/serialize.js');
const { PLAIN } = await imp('render/style.js');
const { applyRoles, loadRules } = await imp('roles/index.js');
const { diffAnalyses } = await imp('diff/index.js');

const now = () => Number(process.hrtime.bigint()) / 1e9;
async function loadAll() {
  const views = [];
  for (const f of files) {
    const v = await loadView(f);
    if (v.problems.length > 0) throw new Error(`${f}: ${v.problems[0].path}: ${v.problems[0].message}`);
    views.push(v);
  }
  return views;
}

let seconds;
if (stage === 'load') {
  const t = now();
  await loadAll();
  seconds = now() - t;
} else if (stage === 'build') {
  const views = await loadAll();
  const t = now();
  buildAnalysis(views);
  seconds = now() - t;
} else if (stage === 'roles') {
  const rules = loadRules([]);
  const views = await loadAll();
  const a = buildAnalysis(views);
  const t = now();
  applyRoles(a, views, rules);
  seconds = now() - t;
} else if (stage === 'diff') {
  const rules = loadRules([]);
  const sides = [];
  for (const f of files) {
    const v = await loadView(f);
    const a = buildAnalysis([v]);
    applyRoles(a, [v], rules);
    sides.push({ a, self: v.selfPid });
  }
  const [b, af] = sides;
  const t = now();
  const result = diffAnalyses(b.a, af.a, { all: false, ignore: [], selfPids: { before: [b.self], after: [af.self] } });
  seconds = now() - t;
  // The second boot is the first relabelled (new inodes and PIDs): structural matching
  // must pair every namespace, which is the work being timed.
  if (result.matching !== 'structure' || result.matches.length === 0) throw new Error('the two boots were not matched by structure');
} else if (stage === 'render') {
  const a = buildAnalysis(await loadAll());
  const t = now();
  const text = renderTreeText(a, { type: 'pid', processes: true }, PLAIN);
  // The JSON as the CLI writes it: in pieces, each encoded to UTF-8 as stdout would.
  let json = 0;
  writeSerialized(a, 'json', (s) => {
    json += Buffer.byteLength(s);
  });
  seconds = now() - t;
  if (text.length === 0 || json === 0) throw new Error('empty output');
} else if (stage === 'merge') {
  const t = now();
  buildAnalysis(await loadAll());
  seconds = now() - t;
} else {
  throw new Error(`unknown stage ${stage}`);
}
process.stdout.write(`${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
