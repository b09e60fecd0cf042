// JSON and YAML output of any wire object. Both are deterministic: the model is sorted
// before it gets here, and keys keep their declaration order.

import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);

export type DataFormat = 'json' | 'yaml';

export function serialize(value: unknown, format: DataFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  // Loaded here, not at start-up: importing yaml costs every other command ~70 ms.
  const { stringify } = require('yaml') as typeof Yaml;
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
