#!/usr/bin/env node
// Runs after tsc (npm run build, npm ci): compiles the JSON Schemas to standalone
// validator code and saves the built-in rules parsed and validated, so the CLI does not
// pay for ajv and YAML at every start. See analyzer/src/prepared.ts for how they are used
// and why a stale artefact is never trusted.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prepared = await import(join(root, 'dist', 'prepared.js'));
const { parseRulesText, BUILTIN_RULES_DIR } = await import(join(root, 'dist', 'roles', 'load-rules.js'));

mkdirSync(prepared.PREPARED_DIR, { recursive: true });

/** Writes beside the target, then renames: a half-written artefact is never loaded. */
function writeAtomic(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

for (const name of ['manifest.schema.json', 'bundle.schema.json', 'rules.schema.json']) {
  const text = readFileSync(join(root, 'schemas', name), 'utf8');
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, esm: false } });
  const validate = ajv.compile(JSON.parse(text));
  const code = standaloneCode.default(ajv, validate);
  writeAtomic(prepared.preparedValidatorPath(name), `${code}\nmodule.exports.sourceText = ${JSON.stringify(text)};\n`);
}

const files = readdirSync(BUILTIN_RULES_DIR)
  .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
  .sort()
  .map((name) => {
    const text = readFileSync(join(BUILTIN_RULES_DIR, name), 'utf8');
    return { name, text, spec: parseRulesText(text, `analyzer/rules/${name}`) };
  });
writeAtomic(prepared.PREPARED_RULES, `${JSON.stringify(files)}\n`);
