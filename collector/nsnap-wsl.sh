#!/bin/sh
# nsnap-wsl.sh: capture every level of a WSL 2 machine into one bundle file
# (docs/format.md#bundles), run from a user distro as the normal user:
#   sh collector/nsnap-collect.sh --wsl [-o FILE]      (or: sh collector/nsnap-wsl.sh)
#
# For each running distro (this one first) it runs the one-file collector as root in the
# distro (`wsl.exe -d NAME -u root --exec …`) and in its system distro (`wsl.exe --system
# -d NAME -u root --exec …`). The collector and the results travel through /mnt/wsl,
# the tmpfs that WSL's mini_init shares with every distro and the debug shell: a private
# staging folder there holds them and is removed at the end, also on Ctrl-C. The VM's
# root level needs `wsl --debug-shell` in an admin console, which no script can open:
# this prints the line to paste there and, on a terminal or with --wait, waits for it.
#
# Every wsl.exe call runs under a timeout; a level that fails or hangs is recorded in
# the bundle manifest with the reason, and the other levels are kept.
#
# --into-bundle FILE --add SNAPSHOT adds a snapshot taken elsewhere (a container, a
# later debug shell) to an existing bundle.
#
# POSIX sh (dash, bash, busybox ash). All code is in functions; `main "$@"` is the last
# line, so a truncated copy runs nothing.

set -u

NSNAP_NAME=nsnap-wsl.sh
NSNAP_VERSION=0.1.0
# A level's capture takes seconds; a wsl.exe that starts a stopped VM can take a minute.
CALL_TIMEOUT=120
LIST_TIMEOUT=30
WAIT_TIMEOUT=600
SHARE=/mnt/wsl

usage() {
    cat <<EOF
Usage: sh nsnap-collect.sh --wsl [options]      (or: sh nsnap-wsl.sh [options])
       sh nsnap-collect.sh --into-bundle FILE --add SNAPSHOT [--level NAME] [--kind KIND]

Capture every level of this WSL 2 machine that can be reached from here (each running
distro as root, and its system distro) into one bundle file for the nsnap analyzer.
Run it in a WSL distro as your normal user; no sudo is needed.

Options:
  -o FILE            write the bundle to FILE (default:
                     ./nsnap-bundle-<host>-<UTC time>.tar.gz in the current folder)
  --distro NAME      this distro's name (default: \$WSL_DISTRO_NAME, else PID 1's comm)
  --wait             wait for the debug-shell level even when not on a terminal
  --no-wait          do not wait for it (the bundle then says the level is missing)
  --wait-timeout S   how long to wait for the debug shell (default $WAIT_TIMEOUT s)
  --call-timeout S   the limit for each wsl.exe call (default $CALL_TIMEOUT s)
  --no-cmdline       leave process command lines out of every level
  --quiet            print nothing but errors and the debug-shell line
  --help             show this help

--into-bundle FILE adds one more view to an existing bundle:
  --add SNAPSHOT     the snapshot .tar.gz to add (for example from a container:
                     docker exec -i C sh -s -- -o - < nsnap-collect.sh > c.tar.gz)
  --level NAME       its name in the bundle (default: the snapshot's file name)
  --kind KIND        container (default), wsl-root, wsl-system, wsl-user, host or view

Exit status: 0 bundle written (some levels may be missing: see its manifest), 1 failed
(nothing written), 2 usage error, 130 interrupted.
EOF
}

# --- messages (all on stderr) ------------------------------------------------------

say() {
    [ "$OPT_QUIET" = 1 ] || printf 'nsnap-wsl: %s\n' "$*" >&2
}

err() {
    printf 'nsnap-wsl: %s\n' "$*" >&2
}

die() {
    err "$*"
    exit 1
}

usage_error() {
    err "$1"
    printf "hint: try 'sh %s --help'\n" "$NSNAP_NAME" >&2
    exit 2
}

need_value() {
    if [ "$2" -lt 2 ] || [ -z "$3" ]; then
        usage_error "option '$1' needs a value"
    fi
}

is_uint() {
    case $1 in
        '' | *[!0-9]*) return 1 ;;
    esac
    return 0
}

# --- arguments ---------------------------------------------------------------------

parse_args() {
    MODE=wsl
    OPT_OUT=
    OPT_DISTRO=
    OPT_WAIT=auto
    OPT_QUIET=0
    OPT_CMDLINE=
    OPT_BUNDLE=
    OPT_ADD=
    OPT_LEVEL=
    OPT_KIND=container
    while [ $# -gt 0 ]; do
        case $1 in
            -h | --help)
                usage
                exit 0
                ;;
            --wsl) MODE=wsl ;;
            --into-bundle)
                need_value "$1" $# "${2-}"
                MODE=add
                OPT_BUNDLE=$2
                shift
                ;;
            --into-bundle=*)
                MODE=add
                OPT_BUNDLE=${1#*=}
                ;;
            --add)
                need_value "$1" $# "${2-}"
                OPT_ADD=$2
                shift
                ;;
            --level)
                need_value "$1" $# "${2-}"
                OPT_LEVEL=$2
                shift
                ;;
            --kind)
                need_value "$1" $# "${2-}"
                OPT_KIND=$2
                shift
                ;;
            -o | --output)
                need_value "$1" $# "${2-}"
                OPT_OUT=$2
                shift
                ;;
            --output=*) OPT_OUT=${1#*=} ;;
            --distro)
                need_value "$1" $# "${2-}"
                OPT_DISTRO=$2
                shift
                ;;
            --distro=*) OPT_DISTRO=${1#*=} ;;
            --wait) OPT_WAIT=1 ;;
            --no-wait) OPT_WAIT=0 ;;
            --wait-timeout)
                need_value "$1" $# "${2-}"
                is_uint "$2" || usage_error "--wait-timeout needs whole seconds, not '$2'"
                WAIT_TIMEOUT=$2
                shift
                ;;
            --call-timeout)
                need_value "$1" $# "${2-}"
                if ! is_uint "$2" || [ "$2" -eq 0 ]; then
                    usage_error "--call-timeout needs whole seconds (1 or more), not '$2'"
                fi
                CALL_TIMEOUT=$2
                shift
                ;;
            --no-cmdline) OPT_CMDLINE=--no-cmdline ;;
            -q | --quiet) OPT_QUIET=1 ;;
            -*) usage_error "unknown option '$1'" ;;
            *) usage_error "unexpected argument '$1'" ;;
        esac
        shift
    done
    case $OPT_OUT in
        -) usage_error "a bundle is written to a file; -o - is for single snapshots" ;;
    esac
    if [ "$MODE" = add ]; then
        [ -n "$OPT_ADD" ] || usage_error "--into-bundle needs --add SNAPSHOT, the snapshot to add"
        case $OPT_KIND in
            container | wsl-root | wsl-system | wsl-user | host | view) ;;
            *) usage_error "--kind must be container, wsl-root, wsl-system, wsl-user, host or view, not '$OPT_KIND'" ;;
        esac
    fi
}

# --- setup and cleanup ---------------------------------------------------------------

setup() {
    LC_ALL=C
    export LC_ALL
    umask 077
    STAGE=
    TMP_OUT=
    JOB_PID=
    NL='
'
    # The levels files' field separator: not white space, so empty fields stay fields.
    US=$(printf '\037')
    trap cleanup EXIT
    trap 'on_signal 130' INT
    trap 'on_signal 143' TERM
    trap 'on_signal 129' HUP
    # GNU and current busybox: `timeout -k KILL SECS`; busybox before 1.30: `-t SECS`.
    T_KIND=
    if command -v timeout >/dev/null 2>&1; then
        if timeout -k 1 5 true >/dev/null 2>&1; then
            T_KIND=k
        elif timeout -t 5 true >/dev/null 2>&1; then
            T_KIND=t
        fi
    fi
    HERE=${0%/*}
    [ "$HERE" != "$0" ] || HERE=.
    COLLECTOR=$HERE/nsnap-collect.sh
    STAMP=$(date -u +%Y%m%dT%H%M%SZ 2>/dev/null) || STAMP=unknown
    CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null) || CREATED=unknown
    ME_UID=$(id -u 2>/dev/null) || ME_UID=
    ME_GID=$(id -g 2>/dev/null) || ME_GID=
    # Under sudo the files go to the user who ran it, as the collector does.
    OWNER_UID=$ME_UID
    OWNER_GID=$ME_GID
    if [ "$ME_UID" = 0 ] && is_uint "${SUDO_UID-}" && is_uint "${SUDO_GID-}"; then
        OWNER_UID=$SUDO_UID
        OWNER_GID=$SUDO_GID
    fi
}

# Removes the staging folder and any partial output; stops a running wsl.exe call.
# Safe to call twice (from a signal trap and then from the EXIT trap).
cleanup() {
    if [ -n "$JOB_PID" ]; then
        kill "$JOB_PID" 2>/dev/null
        wait "$JOB_PID" 2>/dev/null
        JOB_PID=
    fi
    if [ -n "$TMP_OUT" ]; then
        rm -f "$TMP_OUT" 2>/dev/null
        TMP_OUT=
    fi
    if [ -n "$STAGE" ]; then
        # Extracted snapshots may hold read-only folders; make them removable first.
        rm -rf "$STAGE" 2>/dev/null || {
            chmod -R u+rwx "$STAGE" 2>/dev/null
            rm -rf "$STAGE" 2>/dev/null
        }
        [ ! -e "$STAGE" ] || err "warning: could not remove the staging folder '$STAGE'; remove it with: sudo rm -rf '$STAGE'"
        STAGE=
    fi
}

on_signal() {
    trap '' INT TERM HUP
    cleanup
    err "interrupted; nothing was written, and the staging folder in $SHARE is removed"
    exit "$1"
}

# run_timed SECS OUT ERR CMD...: runs CMD in the background under a timeout and waits
# for it, so that a signal's trap runs at once instead of after the call. Sets RT_RC;
# 124 means the timeout struck. GNU timeout kills the whole process group it leads, so
# a hung wsl.exe leaves nothing behind.
run_timed() {
    rt_secs=$1
    rt_out=$2
    rt_err=$3
    shift 3
    case $T_KIND in
        k) set -- timeout -k 5 "$rt_secs" "$@" ;;
        t) set -- timeout -t "$rt_secs" "$@" ;;
    esac
    rt_t0=$(date +%s 2>/dev/null) || rt_t0=
    "$@" </dev/null >"$rt_out" 2>"$rt_err" &
    JOB_PID=$!
    if [ -z "$T_KIND" ]; then
        # No timeout program: a watchdog stops the call instead.
        (
            sleep "$rt_secs"
            kill "$JOB_PID" 2>/dev/null
        ) </dev/null >/dev/null 2>&1 &
        rt_dog=$!
    fi
    wait "$JOB_PID"
    RT_RC=$?
    JOB_PID=
    if [ -z "$T_KIND" ]; then
        kill "$rt_dog" 2>/dev/null
        wait "$rt_dog" 2>/dev/null
    fi
    # GNU timeout says 124; busybox's and the watchdog's victims die of SIGTERM (143).
    # Either way, a failure that took the whole time limit is the limit.
    if [ "$RT_RC" -ne 0 ] && [ "$RT_RC" -ne 124 ] && [ -n "$rt_t0" ]; then
        rt_t1=$(date +%s 2>/dev/null) || rt_t1=$rt_t0
        [ $((rt_t1 - rt_t0)) -lt "$rt_secs" ] || RT_RC=124
    fi
}

# last_line FILE: sets LAST_OUT to the file's last non-empty line, made printable.
last_line() {
    LAST_OUT=
    [ -r "$1" ] || return 0
    while IFS= read -r ll_line || [ -n "$ll_line" ]; do
        ll_line=$(printf '%s' "$ll_line" | tr -cd ' -~')
        [ -z "$ll_line" ] || LAST_OUT=$ll_line
    done <"$1"
}

# json_string VALUE: sets JSON_OUT to VALUE as a JSON string (controls dropped).
json_string() {
    js_s=$(printf '%s' "$1" | tr -d '\000-\037')
    js_out=
    while [ -n "$js_s" ]; do
        js_c=${js_s%"${js_s#?}"}
        js_s=${js_s#?}
        case $js_c in
            '"') js_out="$js_out\\\"" ;;
            \\) js_out="$js_out\\\\" ;;
            *) js_out="$js_out$js_c" ;;
        esac
    done
    JSON_OUT="\"$js_out\""
}

# --- finding the levels --------------------------------------------------------------

check_wsl() {
    if [ ! -f "$COLLECTOR" ]; then
        die "cannot find nsnap-collect.sh beside this script ($HERE); keep the two files together"
    fi
    if ! command -v wsl.exe >/dev/null 2>&1; then
        die "wsl.exe is not on PATH: this is not a WSL 2 distro, or Windows interop is off ([interop] enabled=false or appendWindowsPath=false in /etc/wsl.conf); capture each level by hand as the README says"
    fi
    if [ ! -d "$SHARE" ]; then
        die "$SHARE does not exist: this is not a WSL 2 distro, or WSL did not mount its shared folder; capture each level by hand as the README says"
    fi
}

make_stage() {
    ms_name=
    if command -v mktemp >/dev/null 2>&1; then
        ms_name=$(mktemp -u "$SHARE/nsnap-XXXXXXXX" 2>/dev/null) || ms_name=
    fi
    [ -n "$ms_name" ] || ms_name=$SHARE/nsnap-$$-$STAMP
    # Named before it exists, so that a signal between the two leaves nothing.
    STAGE=$ms_name
    if ! mkdir "$STAGE" 2>/dev/null; then
        STAGE=
        die "cannot create a staging folder in $SHARE (is it writable? it is WSL's shared tmpfs, normally mode 1777); nothing was written"
    fi
    # Root at every level writes here (root passes the folder's mode 0700), the files it
    # writes are given to us with --chown, and nobody else can list or read them.
    if ! cp "$COLLECTOR" "$STAGE/nsnap-collect.sh" 2>/dev/null || ! chmod 0644 "$STAGE/nsnap-collect.sh"; then
        die "cannot copy the collector into the staging folder '$STAGE'"
    fi
    : >"$STAGE/levels"
}

# this_distro: sets DISTRO, the name of the distro we run in, and DISTRO_FROM.
this_distro() {
    DISTRO=
    if [ -n "$OPT_DISTRO" ]; then
        DISTRO=$OPT_DISTRO
        DISTRO_FROM='option --distro'
    elif [ -n "${WSL_DISTRO_NAME-}" ]; then
        DISTRO=$WSL_DISTRO_NAME
        DISTRO_FROM=WSL_DISTRO_NAME
    else
        for td_pid in 1 2; do
            td_comm=
            IFS= read -r td_comm 2>/dev/null <"/proc/$td_pid/comm" || continue
            case $td_comm in
                'init('?*\) | 'init-systemd('?*\))
                    DISTRO=${td_comm#*\(}
                    DISTRO=${DISTRO%\)}
                    DISTRO_FROM="comm '$td_comm' of PID $td_pid"
                    break
                    ;;
                'init('* | 'init-systemd('*)
                    die "PID $td_pid's comm '$td_comm' holds only the first letters of this distro's name (the kernel keeps 15); give it with --distro NAME"
                    ;;
            esac
        done
    fi
    [ -n "$DISTRO" ] || die "cannot tell this distro's name (no WSL_DISTRO_NAME, and PID 1 is not WSL's init(NAME)); give it with --distro NAME"
    valid_name "$DISTRO" || die "distro name '$DISTRO' is not one WSL allows (letters, digits, '.', '_', '-'); give it with --distro NAME"
}

valid_name() {
    case $1 in
        '' | *[!A-Za-z0-9._-]*) return 1 ;;
    esac
    return 0
}

# running_distros: sets DISTROS, this distro first, then every other running one.
# `wsl.exe -l` writes UTF-16LE with CRLF (and sometimes a byte-order mark). WSL allows
# only ASCII letters, digits, '.', '_' and '-' in distro names, so dropping the NUL high
# bytes, CR and the BOM decodes it exactly; any other name is skipped with a note.
running_distros() {
    DISTROS=$DISTRO
    run_timed "$LIST_TIMEOUT" "$STAGE/list.out" "$STAGE/list.err" wsl.exe -l --running -q
    if [ "$RT_RC" -ne 0 ]; then
        if [ "$RT_RC" = 124 ]; then rd_why="timed out after $LIST_TIMEOUT s"; else rd_why="failed with status $RT_RC"; fi
        err "warning: 'wsl.exe -l --running -q' $rd_why; capturing this distro only"
        return 0
    fi
    tr -d '\000\r\376\377' <"$STAGE/list.out" >"$STAGE/list.txt" 2>/dev/null || return 0
    while IFS= read -r rd_name || [ -n "$rd_name" ]; do
        [ -n "$rd_name" ] || continue
        if ! valid_name "$rd_name"; then
            err "warning: skipping a running distro whose name is not plain ASCII: $(printf '%s' "$rd_name" | tr -cd ' -~')"
            continue
        fi
        case " $DISTROS " in
            *" $rd_name "*) ;;
            *) DISTROS="$DISTROS $rd_name" ;;
        esac
    done <"$STAGE/list.txt"
}

# --- capturing -------------------------------------------------------------------------

# record NAME KIND DISTRO STATUS FOLDER-OR-EMPTY REASON-OR-EMPTY HOW-OR-EMPTY
record() {
    printf '%s\037%s\037%s\037%s\037%s\037%s\037%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$STAGE/levels"
}

# capture_level NAME KIND DISTRO WSL-ARGS...: runs the staged collector through wsl.exe
# as root in that level; the result lands in the staging folder as NAME's tarball. The
# collector finds the distro's name itself (init(NAME) in PID 1's comm), so the snapshot
# records where the name came from; the bundle manifest records DISTRO for each level.
capture_level() {
    cl_name=$1
    cl_kind=$2
    cl_distro=$3
    shift 3
    cl_file=$STAGE/level-$cl_name.tar.gz
    say "capturing $cl_name ($*)"
    # shellcheck disable=SC2086 # OPT_CMDLINE is one flag or nothing
    run_timed "$CALL_TIMEOUT" "$STAGE/call.out" "$STAGE/call.err" \
        wsl.exe "$@" -u root --exec sh "$STAGE/nsnap-collect.sh" --quiet --label "$cl_name" \
        --chown "$OWNER_UID:$OWNER_GID" $OPT_CMDLINE -o "$cl_file"
    if [ "$RT_RC" = 0 ] && [ -f "$cl_file" ] && [ -r "$cl_file" ]; then
        record "$cl_name" "$cl_kind" "$cl_distro" captured "$cl_file" '' ''
        return 0
    fi
    if [ "$RT_RC" = 124 ]; then
        cl_why="'wsl.exe $*' did not finish within $CALL_TIMEOUT s and was stopped"
    else
        last_line "$STAGE/call.err"
        if [ "$RT_RC" = 0 ]; then
            cl_why="'wsl.exe $*' succeeded but left no readable snapshot${LAST_OUT:+ ($LAST_OUT)}"
        else
            cl_why="'wsl.exe $*' failed with status $RT_RC${LAST_OUT:+: $LAST_OUT}"
        fi
    fi
    err "warning: level $cl_name: $cl_why; the other levels are kept"
    rm -f "$cl_file" 2>/dev/null
    record "$cl_name" "$cl_kind" "$cl_distro" failed '' "$cl_why" ''
}

capture_distros() {
    for cd_d in $DISTROS; do
        capture_level "$cd_d" wsl-user "$cd_d" -d "$cd_d"
        capture_level "$cd_d-system" wsl-system "$cd_d" --system -d "$cd_d"
    done
}

# The VM's root level: only `wsl --debug-shell`, in an admin console, reaches it.
root_level() {
    RL_FILE=$STAGE/level-debug-shell.tar.gz
    RL_LINE="sh $STAGE/nsnap-collect.sh --quiet --label debug-shell --chown $OWNER_UID:$OWNER_GID -o $RL_FILE"
    rl_wait=$OPT_WAIT
    if [ "$rl_wait" = auto ]; then
        if [ -t 0 ] && [ -t 2 ]; then rl_wait=1; else rl_wait=0; fi
    fi
    if [ "$rl_wait" = 0 ]; then
        record debug-shell wsl-root '' missing '' \
            "the VM's root level needs 'wsl --debug-shell' in an administrator console, and this run did not wait for it (not on a terminal, or --no-wait)" \
            "open an administrator PowerShell, run 'wsl --debug-shell', and there: cp the collector to $SHARE, run 'sh $SHARE/nsnap-collect.sh --label debug-shell -o $SHARE/debug-shell.tar.gz'; then in this distro: sh collector/nsnap-collect.sh --into-bundle BUNDLE --add $SHARE/debug-shell.tar.gz --level debug-shell --kind wsl-root"
        return 0
    fi
    printf '%s\n' \
        "nsnap-wsl: one more level, the VM's root: open PowerShell as Administrator, run 'wsl --debug-shell'," \
        "nsnap-wsl: and paste this line there (waiting up to $WAIT_TIMEOUT s; Ctrl-C to finish without it):" >&2
    printf '%s\n' "$RL_LINE" >&2
    rl_left=$WAIT_TIMEOUT
    while [ ! -f "$RL_FILE" ] && [ "$rl_left" -gt 0 ]; do
        # In the background so that Ctrl-C interrupts the wait at once.
        sleep 1 &
        JOB_PID=$!
        wait "$JOB_PID"
        JOB_PID=
        rl_left=$((rl_left - 1))
    done
    if [ -f "$RL_FILE" ] && [ -r "$RL_FILE" ]; then
        say "the debug-shell level arrived"
        record debug-shell wsl-root '' captured "$RL_FILE" '' ''
    else
        rm -f "$RL_FILE" 2>/dev/null
        record debug-shell wsl-root '' missing '' "no capture arrived from 'wsl --debug-shell' within $WAIT_TIMEOUT s" ''
    fi
}

# --- the bundle ----------------------------------------------------------------------

# unpack_level FILE: extracts one level's snapshot into the bundle folder; sets FOLDER to
# its top folder's name. Fails when the tarball is not one snapshot folder.
unpack_level() {
    ul_tmp=$STAGE/unpack
    rm -rf "$ul_tmp" 2>/dev/null
    mkdir "$ul_tmp" || return 1
    tar -xzf "$1" -C "$ul_tmp" 2>"$STAGE/tar.err" || return 1
    FOLDER=
    for ul_f in "$ul_tmp"/* "$ul_tmp"/.[!.]*; do
        [ -e "$ul_f" ] || continue
        [ -z "$FOLDER" ] || return 1
        FOLDER=${ul_f##*/}
    done
    [ -n "$FOLDER" ] || return 1
    [ -f "$ul_tmp/$FOLDER/nsnap.json" ] || return 1
    [ ! -e "$BUNDLE_DIR/$FOLDER" ] || return 1
    mv "$ul_tmp/$FOLDER" "$BUNDLE_DIR/$FOLDER"
}

# write_manifest: nsnap-bundle.json from the levels file, one level per line, in the
# order the levels were taken. --into-bundle relies on this layout to add a level.
write_manifest() {
    json_string "$NSNAP_NAME"
    wm_name=$JSON_OUT
    wm_host=null
    if [ -n "${BUNDLE_HOST-}" ]; then
        json_string "$BUNDLE_HOST"
        wm_host=$JSON_OUT
    fi
    {
        printf '{\n'
        printf '  "format": "nsnap-bundle",\n'
        printf '  "format_version": 1,\n'
        printf '  "collector": {"name": %s, "version": "%s"},\n' "$wm_name" "$NSNAP_VERSION"
        printf '  "created": "%s",\n' "$CREATED"
        printf '  "host": %s,\n' "$wm_host"
        printf '  "levels": [\n'
        wm_sep=
        while IFS=$US read -r wm_l wm_k wm_d wm_s wm_f wm_r wm_h; do
            json_string "$wm_l"
            wm_line="{\"name\": $JSON_OUT, \"kind\": \"$wm_k\""
            if [ -n "$wm_d" ]; then
                json_string "$wm_d"
                wm_line="$wm_line, \"distro\": $JSON_OUT"
            else
                wm_line="$wm_line, \"distro\": null"
            fi
            wm_line="$wm_line, \"status\": \"$wm_s\""
            if [ -n "$wm_f" ]; then
                json_string "$wm_f"
                wm_line="$wm_line, \"folder\": $JSON_OUT"
            fi
            if [ -n "$wm_r" ]; then
                json_string "$wm_r"
                wm_line="$wm_line, \"reason\": $JSON_OUT"
            fi
            if [ -n "$wm_h" ]; then
                json_string "$wm_h"
                wm_line="$wm_line, \"how\": $JSON_OUT"
            fi
            printf '%s    %s}' "$wm_sep" "$wm_line"
            wm_sep=",$NL"
        done <"$STAGE/levels.final"
        printf '\n  ]\n'
        printf '}\n'
    } >"$BUNDLE_DIR/nsnap-bundle.json" || die "cannot write the bundle manifest in '$STAGE'"
}

# build_bundle: unpacks every captured level, writes the manifest, and packs it all.
build_bundle() {
    BUNDLE_HOST=$(hostname 2>/dev/null) || BUNDLE_HOST=
    bb_host=$(printf '%s' "${BUNDLE_HOST:-host}" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-48)
    BUNDLE_TOP=nsnap-bundle-$bb_host-$STAMP
    BUNDLE_DIR=$STAGE/bundle/$BUNDLE_TOP
    mkdir -p "$BUNDLE_DIR" || die "cannot write to the staging folder '$STAGE'"
    : >"$STAGE/levels.final"
    while IFS=$US read -r bb_l bb_k bb_d bb_s bb_f bb_r bb_h; do
        if [ "$bb_s" = captured ]; then
            if unpack_level "$bb_f"; then
                bb_f=$FOLDER
            else
                last_line "$STAGE/tar.err"
                bb_s=failed
                bb_r="its snapshot arrived but is not one readable snapshot folder${LAST_OUT:+ ($LAST_OUT)}"
                bb_f=
                err "warning: level $bb_l: $bb_r"
            fi
        fi
        printf '%s\037%s\037%s\037%s\037%s\037%s\037%s\n' "$bb_l" "$bb_k" "$bb_d" "$bb_s" "$bb_f" "$bb_r" "$bb_h" >>"$STAGE/levels.final"
    done <"$STAGE/levels"
    write_manifest
    pack_bundle
}

# plan_output: OUT and OUT_ABS; proves the folder is writable before any capture.
plan_output() {
    OUT=${OPT_OUT:-./nsnap-bundle-$(printf '%s' "$(hostname 2>/dev/null || echo host)" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-48)-$STAMP.tar.gz}
    case $OUT in
        */*) po_dir=${OUT%/*} ;;
        *) po_dir=. ;;
    esac
    [ -n "$po_dir" ] || po_dir=/
    [ -d "$po_dir" ] || die "cannot write '$OUT': folder '$po_dir' does not exist"
    po_abs=$(cd "$po_dir" && pwd) || die "cannot enter folder '$po_dir'"
    OUT_ABS=$po_abs/${OUT##*/}
    if [ -z "${OUT##*/}" ] || [ -d "$OUT" ]; then
        die "output '$OUT' is a folder; give a file name"
    fi
    if [ -L "$OUT" ] || { [ -e "$OUT" ] && [ ! -f "$OUT" ]; }; then
        die "output '$OUT' exists and is not a regular file"
    fi
    TMP_OUT=$po_abs/.${OUT##*/}.$$.partial
    set -C
    if ! printf '' 2>/dev/null >"$TMP_OUT"; then
        set +C
        TMP_OUT=
        die "cannot write to folder '$po_dir' (is it writable?); nothing was captured"
    fi
    set +C
}

pack_bundle() {
    if tar --sort=name --format=ustar --owner=0 --group=0 --numeric-owner -cf /dev/null -C "$STAGE/bundle" "$BUNDLE_TOP" >/dev/null 2>&1; then
        set -- tar --sort=name --format=ustar --owner=0 --group=0 --numeric-owner
    else
        set -- tar
    fi
    # Readable by the owner only: the views hold command lines.
    "$@" -czf "$TMP_OUT" -C "$STAGE/bundle" "$BUNDLE_TOP" 2>"$STAGE/tar.err" || {
        last_line "$STAGE/tar.err"
        die "cannot write the bundle to '$OUT' (${LAST_OUT:-tar failed}); nothing was written"
    }
    mv -f "$TMP_OUT" "$OUT_ABS" 2>/dev/null || die "cannot rename the finished bundle to '$OUT'"
    TMP_OUT=
    if [ "$ME_UID" = 0 ] && [ "$OWNER_UID" != 0 ]; then
        chown "$OWNER_UID:$OWNER_GID" "$OUT_ABS" 2>/dev/null ||
            err "warning: cannot give '$OUT' to $OWNER_UID:$OWNER_GID; run 'sudo chown $OWNER_UID:$OWNER_GID $OUT'"
    fi
}

report() {
    rp_ok=0
    rp_bad=0
    while IFS=$US read -r rp_l _ _ rp_s _ rp_r _; do
        if [ "$rp_s" = captured ]; then
            rp_ok=$((rp_ok + 1))
        else
            rp_bad=$((rp_bad + 1))
            err "level $rp_l $rp_s: $rp_r"
        fi
    done <"$STAGE/levels.final"
    say "wrote $OUT ($rp_ok levels captured, $rp_bad not; the bundle's nsnap-bundle.json lists them all)"
    if command -v wslpath >/dev/null 2>&1; then
        rp_win=$(wslpath -w "$OUT_ABS" 2>/dev/null) || rp_win=
        [ -z "$rp_win" ] || say "in Windows: $rp_win (attach this file to the bug report)"
    fi
    say "next: nsnap tree $OUT   (and nsnap redact before you share it: see the README)"
}

# --- adding a view to an existing bundle -------------------------------------------------

add_to_bundle() {
    [ -f "$OPT_BUNDLE" ] || die "--into-bundle '$OPT_BUNDLE': no such file; make a bundle first with 'sh nsnap-collect.sh --wsl'"
    [ -f "$OPT_ADD" ] || die "--add '$OPT_ADD': no such file"
    SHARE=${TMPDIR:-/tmp}
    make_stage_plain
    BUNDLE_DIR_PARENT=$STAGE/bundle
    mkdir "$BUNDLE_DIR_PARENT" || die "cannot write to the staging folder '$STAGE'"
    tar -xzf "$OPT_BUNDLE" -C "$BUNDLE_DIR_PARENT" 2>"$STAGE/tar.err" || {
        last_line "$STAGE/tar.err"
        die "cannot read the bundle '$OPT_BUNDLE' (${LAST_OUT:-tar failed})"
    }
    BUNDLE_TOP=
    for ab_f in "$BUNDLE_DIR_PARENT"/*; do
        [ -e "$ab_f" ] || continue
        [ -z "$BUNDLE_TOP" ] || die "'$OPT_BUNDLE' is not a bundle: it has more than one top folder"
        BUNDLE_TOP=${ab_f##*/}
    done
    BUNDLE_DIR=$BUNDLE_DIR_PARENT/$BUNDLE_TOP
    if [ -z "$BUNDLE_TOP" ] || [ ! -f "$BUNDLE_DIR/nsnap-bundle.json" ]; then
        die "'$OPT_BUNDLE' is not a bundle: it has no nsnap-bundle.json (a single snapshot needs no bundle: name both to nsnap)"
    fi
    ab_level=$OPT_LEVEL
    if [ -z "$ab_level" ]; then
        ab_level=${OPT_ADD##*/}
        ab_level=${ab_level%.tar.gz}
    fi
    unpack_level "$OPT_ADD" || {
        last_line "$STAGE/tar.err"
        die "'$OPT_ADD' is not one snapshot, or its folder is already in the bundle${LAST_OUT:+ ($LAST_OUT)}"
    }
    json_string "$ab_level"
    ab_name=$JSON_OUT
    json_string "$FOLDER"
    ab_line="    {\"name\": $ab_name, \"kind\": \"$OPT_KIND\", \"distro\": null, \"status\": \"captured\", \"folder\": $JSON_OUT}"
    # Our own manifests list one level per line between '  "levels": [' and '  ]'; a
    # level of the same name (a missing debug shell, say) is replaced by the new one.
    awk -v line="$ab_line" -v name="$ab_name" '
        BEGIN { state = 0; n = 0 }
        state == 0 { print; if ($0 == "  \"levels\": [") state = 1; next }
        state == 1 && $0 == "  ]" {
            for (i = 1; i <= n; i++) printf "%s,\n", kept[i]
            print line; print; state = 2; next
        }
        state == 1 && index($0, "    {\"name\": ") != 1 { exit 3 }
        state == 1 {
            l = $0; sub(/,$/, "", l)
            if (index(l, "{\"name\": " name ",") == 5) next
            kept[++n] = l; next
        }
        { print }
        END { if (state != 2) exit 3 }
    ' "$BUNDLE_DIR/nsnap-bundle.json" >"$STAGE/manifest.new" ||
        die "the bundle manifest of '$OPT_BUNDLE' is not laid out as nsnap-wsl.sh writes it; cannot add a level"
    mv "$STAGE/manifest.new" "$BUNDLE_DIR/nsnap-bundle.json" || die "cannot update the bundle manifest"
    OUT=$OPT_BUNDLE
    po_abs=$(cd "${OUT%/*}" 2>/dev/null && pwd) || po_abs=$(pwd)
    case $OUT in */*) ;; *) po_abs=$(pwd) ;; esac
    OUT_ABS=$po_abs/${OUT##*/}
    TMP_OUT=$po_abs/.${OUT##*/}.$$.partial
    pack_bundle
    say "added $OPT_ADD to $OUT as level '$ab_level' ($OPT_KIND)"
}

# A private scratch folder for --into-bundle (no /mnt/wsl needed there).
make_stage_plain() {
    STAGE=$SHARE/nsnap-add-$$-$STAMP
    mkdir "$STAGE" 2>/dev/null || {
        STAGE=
        die "cannot create a scratch folder in $SHARE; set TMPDIR to a writable folder"
    }
}

main() {
    parse_args "$@"
    setup
    if [ "$MODE" = add ]; then
        add_to_bundle
        return 0
    fi
    check_wsl
    this_distro
    say "this distro: $DISTRO (name from $DISTRO_FROM)"
    plan_output
    make_stage
    say "staging in $STAGE (removed at the end)"
    running_distros
    capture_distros
    root_level
    build_bundle
    report
}

main "$@"
