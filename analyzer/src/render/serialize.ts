// JSON and YAML output of any wire object. Both are deterministic: the model is sorted
// before it gets here, and keys keep their declaration order.

import { stringify } from 'yaml';

export type DataFormat = 'json' | 'yaml';

export function serialize(value: unknown, format: DataFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
