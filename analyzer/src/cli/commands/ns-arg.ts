// Namespace ids as users type them: "pid:4026532257", "pid:[4026532257]" (as readlink
// shows it), a bare inode, a synthetic "pid:?2", or a reused inode's later namespace "pid:4026532257~2".

import { UsageError } from '../../errors.js';

export function normaliseNsId(text: string): string {
  const t = text.trim();
  let m = /^([a-z]+):\[([0-9]+)\]$/.exec(t);
  if (m) return `${m[1]}:${m[2]}`;
  m = /^([a-z]+):(\?)?([0-9]+)(~v?[0-9]+)?$/.exec(t);
  if (m) return `${m[1]}:${m[2] ?? ''}${m[3]}${m[4] ?? ''}`;
  if (/^[0-9]+$/.test(t)) return `pid:${t}`;
  throw new UsageError(`'${text}' is not a namespace id (try pid:4026532257)`);
}
