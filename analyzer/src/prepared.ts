// Work done once at build time instead of at every start: the JSON Schema validators
// compiled to code (ajv standalone) and the built-in rules parsed and validated.
// scripts/prepare-dist.mjs writes them to dist/prepared/ after tsc. Each artefact carries
// the exact source text it was made from; when that text no longer matches the file on
// disk (a schema or rule edited without a rebuild), the artefact is ignored and the work
// is done at run time as before. Cold start of the CLI was ~200 ms of ajv and YAML.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as AjvNs from 'ajv';
import type { ValidateFunction } from 'ajv';

type AjvModule = typeof AjvNs;
import { PROJECT_ROOT, schemaPath } from './paths.js';

const require = createRequire(import.meta.url);

export const PREPARED_DIR = join(PROJECT_ROOT, 'dist', 'prepared');

/** The file a schema's compiled validator is written to. */
export function preparedValidatorPath(schemaFile: string): string {
  return join(PREPARED_DIR, schemaFile.replace(/\.json$/, '.cjs'));
}

export const PREPARED_RULES = join(PREPARED_DIR, 'builtin-rules.json');

interface PreparedValidator extends ValidateFunction {
  sourceText?: string;
}

const validators = new Map<string, ValidateFunction>();

/** The validator for one of schemas/*.json: the build's compiled code when it is current. */
export function schemaValidator(schemaFile: string): ValidateFunction {
  const known = validators.get(schemaFile);
  if (known) return known;
  const text = readFileSync(schemaPath(schemaFile), 'utf8');
  let validate: ValidateFunction | null = null;
  const prepared = preparedValidatorPath(schemaFile);
  if (existsSync(prepared)) {
    const fn = require(prepared) as PreparedValidator;
    if (typeof fn === 'function' && fn.sourceText === text) validate = fn;
  }
  if (validate === null) validate = compileSchemaText(text);
  validators.set(schemaFile, validate);
  return validate;
}

/** Compiles a schema at run time (ajv is loaded only on this path). */
export function compileSchemaText(text: string): ValidateFunction {
  const { Ajv } = require('ajv') as AjvModule;
  return new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(text) as object);
}

export interface PreparedRulesFile {
  /** File name inside analyzer/rules/. */
  name: string;
  text: string;
  spec: unknown;
}

/** The built-in rules as parsed at build time, or null when absent or not for these texts. */
export function preparedRules(files: { name: string; text: string }[]): unknown[] | null {
  if (!existsSync(PREPARED_RULES)) return null;
  let saved: PreparedRulesFile[];
  try {
    saved = JSON.parse(readFileSync(PREPARED_RULES, 'utf8')) as PreparedRulesFile[];
  } catch {
    return null;
  }
  if (!Array.isArray(saved) || saved.length !== files.length) return null;
  for (let i = 0; i < files.length; i += 1) {
    const a = saved[i];
    const b = files[i];
    if (!a || !b || a.name !== b.name || a.text !== b.text) return null;
  }
  return saved.map((f) => f.spec);
}
