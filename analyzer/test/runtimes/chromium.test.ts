// Chromium with its real sandbox, as the unprivileged runtime user (headless, one
// about:blank tab): the sandboxed zygote gets a user, PID and net namespace of its own,
// each renderer and sandboxed utility a PID namespace below the zygote's. The browser,
// the unsandboxed zygote, the GPU and network processes stay in the host's namespaces.
// Meanwhile a host process carries `--type=renderer` in its argv, as `chromium
// --no-sandbox` or Puppeteer would: the host must stay `host`. Captured from the host only
// (a sandbox has no shell to run the collector in).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { privateDir, removeScratch } from '../helpers/collector-run.js';
import { killGroup, spawnGroup } from '../helpers/process-group.js';
import {
  analyze,
  asUserArgs,
  baseReason,
  captureHostSettled,
  descendantsOf,
  cmdlineOf,
  expectCounts,
  hostProblems,
  expectParents,
  expectRoles,
  hostNs,
  needRuntime,
  nsLinks,
  runtimeUid,
  shq,
  unique,
  waitFor,
  reportTimings,
} from './harness.js';
import type { LsnsRow, Model } from './harness.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
let reason: string | null = null;
let browser: ChildProcess | null = null;
let fakeRenderer: ChildProcess | null = null;
let hostTar = '';
let lsns = new Map<number, LsnsRow>();
let tree: number[] = [];
const roles: Record<'browser' | 'zygote' | 'renderer' | 'utility', number> = { browser: 0, zygote: 0, renderer: 0, utility: 0 };
const timings: Record<string, number> = {};

/** The process of the browser's tree whose argv has `type`, in a PID namespace of its own when `own`. */
function find(all: number[], type: RegExp, own: boolean): number | null {
  return all.find((p) => type.test(cmdlineOf(p)) && (nsLinks(p).pid !== hostNs().pid) === own) ?? null;
}

beforeAll(async () => {
  reason = baseReason(['chromium', 'su'], true);
  if (reason !== null) return;
  const t0 = Date.now();
  try {
    const profile = privateDir('chromium', runtimeUid() as number);
    const argv = [
      'chromium',
      '--headless=new',
      '--no-first-run',
      '--disable-gpu',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      'about:blank',
    ];
    // Chromium leaves org.chromium.Chromium.* folders in TMPDIR: keep them in its profile.
    const [cmd, args] = asUserArgs(`TMPDIR=${shq(profile)}; export TMPDIR; exec ${argv.map(shq).join(' ')}`);
    browser = spawn(cmd, args, { stdio: 'ignore' });
    const self = browser;
    await waitFor(
      'the Chromium zygote, a renderer and a sandboxed utility',
      () => {
        if (self.exitCode !== null) throw new Error(`chromium exited ${self.exitCode}`);
        const all = descendantsOf(self.pid as number);
        const b = all.find((p) => cmdlineOf(p).startsWith(CHROMIUM) && !cmdlineOf(p).includes('--type='));
        const z = find(all, /--type=zygote(?!.*--no-zygote-sandbox)/, true);
        const r = find(all, /--type=renderer/, true);
        const u = find(all, /--type=utility/, true);
        if (b === undefined || z === null || r === null || u === null) return null;
        Object.assign(roles, { browser: b, zygote: z, renderer: r, utility: u });
        tree = all;
        return true;
      },
      45_000,
    );
  } catch (e) {
    reason = `Chromium could not start its sandbox: ${(e as Error).message}`;
    return;
  }
  timings.start = Date.now() - t0;
  // A host process that only looks like a renderer.
  fakeRenderer = spawnGroup(['sh', '-c', 'sleep 600', 'x', '--type=renderer']);
  const t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => [roles.zygote, roles.renderer, roles.utility]));
  timings.hostCapture = Date.now() - t;
}, 300_000);

afterAll(async () => {
  killGroup(fakeRenderer);
  if (browser !== null && browser.exitCode === null) {
    const everything = [...descendantsOf(browser.pid as number)];
    const gone = new Promise<void>((r) => browser?.once('exit', () => r()));
    for (const pid of everything) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    browser.kill('SIGKILL');
    await gone;
    for (let i = 0; i < 100 && everything.some((p) => existsSync(`/proc/${p}`)); i += 1) await new Promise((r) => setTimeout(r, 50));
  }
  removeScratch();
  reportTimings('chromium', timings);
});

describe('Chromium sandbox (unprivileged)', () => {
  it('host view: parents are lsns PNS (renderers below the zygote), process counts are NPROCS', async (ctx) => {
    needRuntime('Chromium', reason, ctx);
    const model = await analyze(hostTar);
    const sandboxed = [roles.zygote, roles.renderer, roles.utility];
    expect(expectParents(model, lsns, sandboxed)).toBeGreaterThanOrEqual(4);
    expect(nsLinks(roles.renderer).pid).not.toBe(nsLinks(roles.zygote).pid);
    const renderer = model.namespaces.find((n) => n.id === `pid:${nsLinks(roles.renderer).pid}`);
    expect(renderer?.parent).toBe(`pid:${nsLinks(roles.zygote).pid}`);
    expect(expectCounts(model, lsns, sandboxed, hostNs())).toBeGreaterThanOrEqual(4);
  });

  // True roles and names (needs the role rules of issue 14): zygote, renderer and
  // utility told apart; the host stays host whatever a host process's argv says.
  it('roles: zygote, renderer and utility are Chromium sandboxes told apart; browser and host are host', async (ctx) => {
    needRuntime('Chromium', reason, ctx);
    const model: Model = await analyze(hostTar);
    const problems = [
      ...hostProblems(model),
      ...expectRoles(
        model,
        roles.zygote,
        { role: 'sandbox', names: ['Chromium'] },
        { pid: { role: 'sandbox', names: ['Chromium', 'zygote'] } },
      ),
      ...expectRoles(
        model,
        roles.renderer,
        { role: 'sandbox', names: ['Chromium'] },
        { pid: { role: 'sandbox', names: ['Chromium', 'renderer'] } },
      ),
      ...expectRoles(
        model,
        roles.utility,
        { role: 'sandbox', names: ['Chromium'] },
        { pid: { role: 'sandbox', names: ['Chromium', 'utility'] } },
      ),
      // Every namespace of the browser is the host's: expectRoles wants `host` for each.
      ...expectRoles(model, roles.browser, { role: 'host', names: [] }),
      ...expectRoles(model, fakeRenderer?.pid as number, { role: 'host', names: [] }),
    ];
    expect(tree.length).toBeGreaterThan(4);
    expect(unique(problems)).toEqual([]);
  });
});
