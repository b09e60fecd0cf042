// JSON and YAML output of any wire object. Both are deterministic: the model is sorted
// before it gets here, and keys keep their declaration order. Both are written in pieces
// (json-stream.ts, yaml-stream.ts), so a large model never becomes one string.

import { writeJson, type Write } from './json-stream.js';
import { writeYaml } from './yaml-stream.js';

export type DataFormat = 'json' | 'yaml';

/** Writes `value` to `write` in pieces, in time proportional to its size. */
export function writeSerialized(value: unknown, format: DataFormat, write: Write): void {
  if (format === 'json') writeJson(value, write);
  else writeYaml(value, write);
}

/** The same text as one string, for small outputs. */
export function serialize(value: unknown, format: DataFormat): string {
  const parts: string[] = [];
  writeSerialized(value, format, (s) => parts.push(s));
  return parts.join('');
}
