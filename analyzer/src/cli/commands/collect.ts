// `nsnap collect [args]`: runs the collector script for users who have Node. The script
// is the product; this is only a launcher, with the same arguments and exit code.
// NSNAP_PROG makes the script's --help name the command the user typed.

import { spawn } from 'node:child_process';
import { collectorPath } from '../../paths.js';

export function collectCommand(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('sh', [collectorPath(), ...argv], { stdio: 'inherit', env: { ...process.env, NSNAP_PROG: 'nsnap collect' } });
    child.on('error', () => resolve(2));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
