#!/bin/sh
# One simulated wsl.exe launch: `-l --running -q` prints the running distros in UTF-16LE
# with CRLF, as wsl.exe does; `[--system] -d NAME -u root (--exec|--) CMD…` runs CMD in
# that distro's level by entering the namespaces of its init (the user distro's init is
# named init(NAME); its system distro's init is the nearest ancestor that is PID 1 of
# its namespace). A level listed as "LEVEL fail" in the faults file fails as WSL would.
set -u
SIM=$1
req=$2
shift 2
finish() {
    printf '%s\n' "$1" >"$req/rc.tmp"
    mv "$req/rc.tmp" "$req/rc"
    exit 0
}
: >"$req/out"
: >"$req/err"
if [ "$*" = "-l --running -q" ]; then
    while IFS= read -r name; do printf '%s\r\n' "$name"; done <"$SIM/running" | iconv -f UTF-8 -t UTF-16LE >"$req/out"
    finish 0
fi
system=0
distro=
while [ $# -gt 0 ]; do
    case $1 in
        --system) system=1 ;;
        -d) distro=$2; shift ;;
        -u) shift ;;
        --exec | --) shift; break ;;
        *) printf 'Invalid command line argument: %s\n' "$1" >"$req/err"; finish 1 ;;
    esac
    shift
done
level=$distro
[ "$system" = 0 ] || level=$distro-system
if grep -qx "$level fail" "$SIM/faults" 2>/dev/null; then
    printf 'Wsl/Service/CreateInstance/E_FAIL (simulated)\n' >"$req/err"
    finish 1
fi
pid=
# One grep over every comm, then the environment of the few candidates.
for p in $(grep -lxF "init($distro)" /proc/[0-9]*/comm 2>/dev/null); do
    p=${p%/comm}
    tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "NSNAP_SIM=$SIM" || continue
    pid=${p#/proc/}
    break
done
if [ -z "$pid" ]; then
    printf 'There is no distribution with the supplied name.\n' >"$req/err"
    finish 1
fi
if [ "$system" = 1 ]; then
    # Up from the user distro's init to the first process that is PID 1 of its namespace.
    cur=$pid
    pid=
    while [ -n "$cur" ] && [ "$cur" != 0 ]; do
        cur=$(awk '/^PPid:/ { print $2 }' "/proc/$cur/status")
        ns=$(awk '/^NSpid:/ { print $NF }' "/proc/$cur/status")
        if [ "$ns" = 1 ]; then
            pid=$cur
            break
        fi
    done
    [ -n "$pid" ] || { printf 'no system distro found\n' >"$req/err"; finish 1; }
fi
nsenter -t "$pid" -p -m -u -i --wd=/ -- "$@" >"$req/out" 2>"$req/err" </dev/null
finish $?
