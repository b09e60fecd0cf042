// Every diagnostic the model can emit, documented in one table. Diagnostics are data:
// the core collects them and never throws for inconsistent input.

export type Severity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'MISSING_NSPID'
  | 'MISSING_STATUS'
  | 'NSPID_LENGTH_INCONSISTENT'
  | 'PPID_CYCLE'
  | 'PARENT_CYCLE'
  | 'INIT_SELF_PARENT'
  | 'DEPTH_EXCEEDED'
  | 'DEPTH_MISMATCH'
  | 'PID_REUSED'
  | 'PARENT_CONFLICT'
  | 'FOR_CHILDREN_SETNS'
  | 'PID_NS_AMBIGUOUS'
  | 'NS_CONFLICT'
  | 'DUPLICATE_INIT'
  | 'PARENT_UNKNOWN'
  | 'DISCONNECTED'
  | 'BOOT_UNKNOWN'
  | 'VIEWS_CONTRADICT'
  | 'VIEW_PARTIAL'
  | 'PARENT_STARTED_LATER'
  | 'NS_REUSED'
  | 'PID_NS_INFERRED'
  | 'VIEW_PLACEMENT_AMBIGUOUS'
  | 'BOOT_ID_VIRTUALISED'
  | 'BOOT_FORCED';

export interface DiagnosticInfo {
  severity: Severity;
  meaning: string;
}

export const DIAGNOSTICS: Record<DiagnosticCode, DiagnosticInfo> = {
  MISSING_NSPID: {
    severity: 'warning',
    meaning: "status has no NSpid (WSL 1 or a kernel before 4.1): the process is placed in the view's own namespace",
  },
  MISSING_STATUS: { severity: 'info', meaning: 'a PID folder has no status (the process vanished or the read was denied); it is left out' },
  NSPID_LENGTH_INCONSISTENT: { severity: 'error', meaning: 'members of one PID namespace have different NSpid lengths in one view' },
  PPID_CYCLE: { severity: 'error', meaning: 'the PPid links form a cycle; the cycle is cut' },
  PARENT_CYCLE: { severity: 'error', meaning: 'the namespace parent edges form a cycle; the cycle is cut' },
  INIT_SELF_PARENT: { severity: 'error', meaning: 'a process names itself as its parent' },
  DEPTH_EXCEEDED: { severity: 'error', meaning: 'a PID namespace is deeper than the kernel allows (32)' },
  DEPTH_MISMATCH: { severity: 'warning', meaning: "an init's parent does not have exactly one NSpid level less" },
  PID_REUSED: { severity: 'warning', meaning: 'the same PID chain appears in two views with different start times: the PID was reused' },
  PARENT_CONFLICT: { severity: 'error', meaning: 'two kinds of evidence name different parents for one namespace' },
  FOR_CHILDREN_SETNS: {
    severity: 'info',
    meaning: 'pid_for_children points deeper than a child namespace (a setns entrant such as nsenter); not used as parent evidence',
  },
  PID_NS_AMBIGUOUS: {
    severity: 'warning',
    meaning: 'a process entered a namespace with setns and its links are unreadable: which sibling namespace it is in cannot be told',
  },
  NS_CONFLICT: { severity: 'error', meaning: 'the evidence makes one namespace equal to two different inodes' },
  DUPLICATE_INIT: { severity: 'error', meaning: 'two processes claim PID 1 in one namespace' },
  PARENT_UNKNOWN: { severity: 'info', meaning: 'no evidence names the parent of a namespace that is not the outermost' },
  DISCONNECTED: { severity: 'warning', meaning: 'the views do not connect: there is more than one outermost PID namespace' },
  BOOT_UNKNOWN: { severity: 'warning', meaning: 'a view has no boot_id, so it cannot be proven to belong to the same boot' },
  VIEWS_CONTRADICT: { severity: 'error', meaning: 'views claim the same boot but report different kernels' },
  VIEW_PARTIAL: { severity: 'info', meaning: 'a view could not read everything (denied reads or vanished processes)' },
  PARENT_STARTED_LATER: {
    severity: 'warning',
    meaning: 'the process named by PPid started after its child: the parent PID was reused, so the parent is left unknown',
  },
  NS_REUSED: {
    severity: 'warning',
    meaning: 'one namespace inode names two namespaces in different views (their inits started at different times): kept apart',
  },
  PID_NS_INFERRED: {
    severity: 'info',
    meaning: 'a setns entrant with unreadable links was placed in the only child namespace seen: a guess, marked inferred',
  },
  VIEW_PLACEMENT_AMBIGUOUS: {
    severity: 'warning',
    meaning: 'the init of a view matches several namespaces of another view: the two views are not merged',
  },
  BOOT_ID_VIRTUALISED: {
    severity: 'info',
    meaning: 'views report different boot ids but are proven to share one kernel (a container virtualises boot_id)',
  },
  BOOT_FORCED: { severity: 'warning', meaning: 'views with different boot ids were merged because --same-boot was given, without proof' },
};

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** Index of the view it concerns, when one. */
  view?: number;
  /** Namespace or process ids, PIDs and other facts it is based on. */
  evidence: Record<string, string | number | boolean | null | (string | number)[]>;
}

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly perCode = new Map<DiagnosticCode, number>();

  add(code: DiagnosticCode, message: string, evidence: Diagnostic['evidence'] = {}, view?: number): void {
    const n = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, n);
    // A hostile snapshot can trigger one diagnostic per process; keep the output bounded.
    if (n > 200) return;
    const d: Diagnostic = { code, severity: DIAGNOSTICS[code].severity, message, evidence };
    if (view !== undefined) d.view = view;
    this.list.push(d);
  }

  sorted(): Diagnostic[] {
    const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
    const out = [...this.list];
    for (const [code, n] of this.perCode) {
      if (n > 200)
        out.push({
          code,
          severity: DIAGNOSTICS[code].severity,
          message: `${n - 200} more ${code} diagnostics were left out`,
          evidence: { count: n },
        });
    }
    return out.sort(
      (a, b) =>
        rank[a.severity] - rank[b.severity] ||
        a.code.localeCompare(b.code) ||
        (a.view ?? -1) - (b.view ?? -1) ||
        a.message.localeCompare(b.message),
    );
  }
}
