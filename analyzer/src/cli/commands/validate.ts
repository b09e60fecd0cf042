// `nsnap validate SNAPSHOT...`: schema and layout checks, one line per good snapshot (per
// level of a bundle), every problem of a bad one, and a note per level a bundle lacks.
// Exit 0 all valid, 1 some invalid, 2 some unusable.

import { loadInput } from '../../source/load.js';
import { absentLevelNote } from '../bundle-notes.js';
import { NsnapError } from '../../errors.js';
import { termSafe } from '../../render/escape.js';
import { parseArgs, type FlagSpec } from '../args.js';
import {
  BASE_FLAGS,
  checkInputs,
  hintFor,
  limitsFrom,
  problemText,
  problemsCauseFirst,
  STYLE_FLAGS,
  styleFrom,
  type Io,
} from '../common.js';
import { UsageError } from '../../errors.js';

export const FLAGS: FlagSpec = { ...STYLE_FLAGS, ...BASE_FLAGS };

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  if (p.positional.length === 0) throw new UsageError('validate needs at least one snapshot');
  const s = styleFrom(p, io);
  // Before the loop: a bad limit flag is one usage error, not one error per snapshot.
  const limits = limitsFrom(p);
  checkInputs(p.positional, io);
  let code = 0;
  for (const input of p.positional) {
    try {
      const routed = await loadInput(input, { limits, ...(io.readStdin ? { readStdin: io.readStdin } : {}) });
      for (const prob of routed.problems) {
        code = Math.max(code, 1);
        io.stdout(`${s.error('invalid')}  ${termSafe(problemText(input, prob))}\n`);
      }
      for (const view of routed.views) {
        // A bundle's level is named "FILE#LEVEL"; a plain snapshot by its file.
        const name = routed.bundle === null ? input : view.source;
        if (view.problems.length === 0) {
          const procs = [...view.procs.values()].filter((r) => r.status !== null).length;
          io.stdout(
            `${s.good('ok')}  ${termSafe(name)}: label '${termSafe(view.label)}', host '${termSafe(view.hostname ?? '?')}', ${procs} processes, boot ${view.bootId ?? 'unknown'}\n`,
          );
        } else {
          code = Math.max(code, 1);
          for (const prob of problemsCauseFirst(view.problems)) {
            io.stdout(`${s.error('invalid')}  ${termSafe(problemText(name, prob))}\n`);
          }
        }
      }
      if (routed.bundle !== null) {
        if (routed.views.length === 0 && routed.problems.length === 0) {
          code = Math.max(code, 1);
          io.stdout(`${s.error('invalid')}  ${termSafe(input)}: the bundle holds no captured level\n`);
        }
        for (const level of routed.bundle.absent) io.stderr(`${absentLevelNote(input, level)}\n`);
      }
    } catch (e) {
      if (!(e instanceof NsnapError)) throw e;
      code = Math.max(code, e.exitCode);
      io.stderr(`nsnap: ${termSafe(e.message)}${e.hint ? `\n  hint: ${hintFor(e.hint, io)}` : ''}\n`);
    }
  }
  return code;
}
