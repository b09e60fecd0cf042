// Container names and ids from cgroup paths. Runtimes put them there in a few fixed
// shapes; the first shape that fits wins. Only plain string scanning is used: the paths
// come from snapshots, which are untrusted.
//   docker:     /system.slice/docker-<64hex>.scope (systemd driver), /docker/<64hex>
//   podman:     /machine.slice/libpod-<64hex>.scope, /libpod_parent/libpod-<64hex>
//   kubernetes: /kubepods.slice/…/cri-containerd-<64hex>.scope, crio-<64hex>.scope, /kubepods/…/pod<uid>/<64hex>;
//               the pod UID from kubepods-<qos>-pod<uid>.slice or pod<uid>
//   containerd: /<namespace>/<id> is too vague to claim; only the shapes above are used.
//   lxc:        /lxc.payload.NAME/…, /lxc/NAME
//   nspawn:     /machine.slice/machine-NAME.scope (systemd escapes '-' in NAME as \x2d)
//   flatpak:    /user.slice/…/app-flatpak-APPID-NNN.scope

export interface CgroupId {
  runtime: 'docker' | 'podman' | 'kubernetes' | 'cri-o' | 'lxc' | 'nspawn' | 'flatpak';
  /** Full container id (hex) or the name. */
  id: string;
  /** What a label shows: 12 hex digits of an id, or the name. */
  short: string;
  path: string;
  /** Kubernetes pod UID (from `pod<uid>` or `kubepods-…-pod<uid>.slice`), when the path has one. */
  pod?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The path part of a /proc/PID/cgroup line ("0::/a/b" -> "/a/b"). */
export function cgroupPath(line: string): string {
  const first = line.indexOf(':');
  const second = first === -1 ? -1 : line.indexOf(':', first + 1);
  return second === -1 ? line : line.slice(second + 1);
}

export function containerFromCgroup(path: string): CgroupId | null {
  const segs = path
    .slice(0, 4096)
    .split('/')
    .filter((s) => s !== '');
  for (let i = segs.length - 1; i >= 0; i -= 1) {
    const s = segs[i] as string;
    const prev = segs[i - 1] ?? '';
    const scoped = (prefix: string): string | null =>
      s.startsWith(prefix) && s.endsWith('.scope') ? s.slice(prefix.length, -'.scope'.length) : null;
    const hex = (id: string | null): string | null => (id !== null && HEX64.test(id) ? id : null);
    let id: string | null;
    if ((id = hex(scoped('docker-'))) || (prev === 'docker' && (id = hex(s)))) return idOf('docker', id, path);
    if ((id = hex(scoped('libpod-'))) || (prev === 'libpod_parent' && (id = hex(s.replace(/^libpod-/, '')))))
      return idOf('podman', id, path);
    if ((id = hex(scoped('cri-containerd-')))) return withPod(idOf('kubernetes', id, path), segs);
    if ((id = hex(scoped('crio-')))) return withPod(idOf('cri-o', id, path), segs);
    if (prev.startsWith('pod') && segs.some((x) => x.startsWith('kubepods')) && (id = hex(s)))
      return withPod(idOf('kubernetes', id, path), segs);
    if (s.startsWith('lxc.payload.') && s.length > 12) return nameOf('lxc', s.slice(12), path);
    if (prev === 'lxc' && i === 1) return nameOf('lxc', s, path);
    const machine = scoped('machine-');
    if (machine !== null && prev === 'machine.slice' && machine !== '') return nameOf('nspawn', machine.replace(/\\x2d/g, '-'), path);
    const flat = scoped('app-flatpak-');
    if (flat !== null) {
      const app = flat.replace(/-[0-9]+$/, '');
      if (app !== '') return nameOf('flatpak', app, path);
    }
  }
  return null;
}

const POD_UID = /^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$/;

/** The pod UID of a kubepods path: systemd writes its dashes as underscores. */
function withPod(c: CgroupId, segs: string[]): CgroupId {
  if (!segs.some((x) => x.startsWith('kubepods'))) return c;
  for (const s of segs) {
    const m = /(?:^|-)pod([0-9a-f_-]{36})(?:\.slice)?$/.exec(s);
    if (m && POD_UID.test(m[1] as string)) return { ...c, pod: (m[1] as string).replace(/_/g, '-') };
  }
  return c;
}

function idOf(runtime: CgroupId['runtime'], id: string, path: string): CgroupId {
  return { runtime, id, short: id.slice(0, 12), path };
}

function nameOf(runtime: CgroupId['runtime'], name: string, path: string): CgroupId {
  return { runtime, id: name, short: name, path };
}
