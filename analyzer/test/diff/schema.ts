// Validates diff results against schemas/diff.schema.json, compiled once.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { schemaPath } from '../../src/paths.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(schemaPath('diff.schema.json'), 'utf8')) as object,
);

/** Schema errors of a JSON round trip of `value`; empty when valid. */
export function diffSchemaErrors(value: unknown): string[] {
  const data = JSON.parse(JSON.stringify(value)) as unknown;
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
