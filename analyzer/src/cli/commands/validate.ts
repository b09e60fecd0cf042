// `nsnap validate SNAPSHOT...`: schema and layout checks, one line per good snapshot,
// every problem of a bad one. Exit 0 all valid, 1 some invalid, 2 some unusable.

import { loadView } from '../../source/load.js';
import { NsnapError } from '../../errors.js';
import { termSafe } from '../../render/escape.js';
import { parseArgs, type FlagSpec } from '../args.js';
import { BASE_FLAGS, hintFor, limitsFrom, NOT_A_SNAPSHOT, problemsCauseFirst, STYLE_FLAGS, styleFrom, type Io } from '../common.js';
import { UsageError } from '../../errors.js';

export const FLAGS: FlagSpec = { ...STYLE_FLAGS, ...BASE_FLAGS };

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  if (p.positional.length === 0) throw new UsageError('validate needs at least one snapshot');
  const s = styleFrom(p, io);
  // Before the loop: a bad limit flag is one usage error, not one error per snapshot.
  const limits = limitsFrom(p);
  let code = 0;
  for (const input of p.positional) {
    try {
      const view = await loadView(input, { limits });
      if (view.problems.length === 0) {
        const procs = [...view.procs.values()].filter((r) => r.status !== null).length;
        io.stdout(
          `${s.good('ok')}  ${termSafe(input)}: label '${termSafe(view.label)}', host '${termSafe(view.hostname ?? '?')}', ${procs} processes, boot ${view.bootId ?? 'unknown'}\n`,
        );
      } else {
        code = Math.max(code, 1);
        for (const prob of problemsCauseFirst(view.problems)) {
          const where = prob.message === NOT_A_SNAPSHOT ? '' : `${termSafe(prob.path)}: `;
          io.stdout(`${s.error('invalid')}  ${termSafe(input)}: ${where}${termSafe(prob.message)}\n`);
        }
      }
    } catch (e) {
      if (!(e instanceof NsnapError)) throw e;
      code = Math.max(code, e.exitCode);
      io.stderr(`nsnap: ${termSafe(e.message)}${e.hint ? `\n  hint: ${hintFor(e.hint, io)}` : ''}\n`);
    }
  }
  return code;
}
