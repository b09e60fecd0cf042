#!/bin/sh
# CI: install and start the container runtimes and sandboxes that the live runtime tests
# (analyzer/test/runtimes/) drive: docker, podman (root and rootless), systemd-nspawn,
# LXC, bubblewrap, firejail and Chromium. Runs as root on a Debian machine; safe to run
# twice. It prints what it did and how long it took; it fails (exit 1) with the reason
# when a step fails, so that CI never runs those tests against a half-set-up machine.
#
# Quirks of the machines this runs on (docs/runtimes.md):
#   - no CAP_SYS_RESOURCE: no `--privileged`;
#   - dockerd needs --iptables=false --bridge=none --storage-driver=vfs;
#   - PID 1 is not systemd and cgroups may be v1: nspawn needs --register=no --keep-unit.
set -eu

started=$(date +%s)
say() { printf 'ci-runtimes: %s\n' "$*"; }
fail() {
    printf 'ci-runtimes: %s\n' "$*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and starts dockerd)"

# The unprivileged user that runs rootless podman, bwrap and Chromium's sandbox.
RUNTIME_USER=${NSNAP_RUNTIME_USER:-nsnaprt}

export DEBIAN_FRONTEND=noninteractive
if ! command -v dockerd >/dev/null || ! command -v podman >/dev/null || ! command -v systemd-nspawn >/dev/null ||
    ! command -v lxc-start >/dev/null || ! command -v bwrap >/dev/null || ! command -v firejail >/dev/null ||
    ! command -v chromium >/dev/null || ! command -v newuidmap >/dev/null || ! command -v busybox >/dev/null; then
    apt-get update -qq
    # busybox (with its libraries) is the whole root filesystem of every test image. Not
    # busybox-static: its sh runs its own applets before PATH, which defeats the wrappers
    # other tests put first on PATH.
    # With the recommended packages: podman needs them for its network and overlay helpers
    # (this is the set the tests were made with).
    apt-get install -y -qq docker.io podman systemd-container lxc bubblewrap \
        firejail chromium busybox uidmap slirp4netns fuse-overlayfs util-linux procps >/dev/null ||
        fail "apt-get install of the runtimes failed"
fi
say "packages present after $(($(date +%s) - started)) s"

# dockerd, unless one answers already. Its log is kept for a failing test to show.
if ! docker info >/dev/null 2>&1; then
    mkdir -p /var/log
    nohup dockerd --iptables=false --bridge=none --storage-driver=vfs >/var/log/nsnap-dockerd.log 2>&1 &
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -le 60 ] || fail "dockerd did not answer within 30 s; its log: $(tail -5 /var/log/nsnap-dockerd.log)"
        sleep 0.5
    done
fi
say "dockerd answers after $(($(date +%s) - started)) s"

# The unprivileged user, with subordinate ids for rootless podman and a runtime folder.
if ! id "$RUNTIME_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$RUNTIME_USER" || fail "cannot create user $RUNTIME_USER"
fi
for f in /etc/subuid /etc/subgid; do
    touch "$f"
    grep -q "^$RUNTIME_USER:" "$f" || echo "$RUNTIME_USER:200000:65536" >>"$f"
done
uid=$(id -u "$RUNTIME_USER")
mkdir -p "/run/user/$uid"
chown "$RUNTIME_USER:" "/run/user/$uid"
chmod 700 "/run/user/$uid"
say "user $RUNTIME_USER (uid $uid) ready; setup took $(($(date +%s) - started)) s"
