#!/bin/sh
# nsnap-collect.sh: capture what one view of /proc sees into one snapshot tarball
# (format v1, docs/format.md): every process's status, stat, cmdline, comm, cgroup and
# namespace links, the view's own facts, and the os-release of each PID namespace init.
#
# It runs under any POSIX sh (dash, bash, busybox ash) with GNU coreutils or busybox
# alone. With GNU cp the programs it starts do not grow with the process count: one
# `cp --parents` (fed by xargs) copies every PID, and the per-PID work after it uses
# builtins only. Busybox cp has no --parents: one generated script runs a cp per process.
# It never reads another process's environ, never runs Windows binaries, never uses the
# network. All code is in functions and `main "$@"` is the last line, so a truncated
# download runs nothing.

set -u

NSNAP_NAME=nsnap-collect.sh
NSNAP_VERSION=0.1.0
# A process's namespace links (docs/format.md): the one list every loop here uses.
NS_LINKS='cgroup ipc mnt net pid pid_for_children time time_for_children user uts'
# Timeouts (a read of /proc blocks on a process in D state). The copy gets COPY_TIMEOUT
# seconds plus 40 ms per process, or 200 ms where each process costs a cp of its own
# (busybox: 40-50 ms each on a loaded two-core machine).
COPY_TIMEOUT=60
COPY_MS_PER_PROCESS=40
LOOP_MS_PER_PROCESS=200
LSNS_TIMEOUT=10
FILE_TIMEOUT=5
MAX_ETC_BYTES=65536
MAX_WSLCONFIG_BYTES=1048576
MAX_LINK_HOPS=8
MAX_MOUNT_LINES=64
# The manifest is capped at 16 MiB by the format; about 45 bytes per failed read.
MAX_LIST_ENTRIES=150000
# Host and label are cut so that every entry name fits a ustar header (prefix <= 155).
MAX_NAME_PART=48
# From this many PID folders on, the GNU path copies with two cp at once.
SPLIT_MIN=2000

usage() {
    cat <<EOF
Usage: ${NSNAP_PROG:-sh nsnap-collect.sh} [options]

Capture this view of /proc (processes, their PID namespaces and namespace links) into
one snapshot tarball for the nsnap analyzer.

Options:
  -o FILE|-         write the snapshot to FILE, or to stdout with '-'
                    (default: ./nsnap-<host>-<label>-<UTC time>.tar.gz)
  --label NAME      name this view (default: the distro name, else the os-release
                    ID, else 'view')
  --distro NAME     this WSL distro's name (default: \$WSL_DISTRO_NAME, else read from
                    PID 1's comm, which WSL sets to init(NAME) or init-systemd(NAME))
  --chown UID:GID   give the written file to this owner (default under sudo:
                    \$SUDO_UID:\$SUDO_GID, so the invoking user can read it)
  --wsl             capture every level of this WSL machine into one bundle; runs
                    nsnap-wsl.sh beside this script (see 'sh nsnap-wsl.sh --help')
  --into-bundle FILE --add SNAPSHOT [--level NAME]
                    add a snapshot taken elsewhere (a container, the debug shell) to
                    an existing bundle; runs nsnap-wsl.sh too
  --proc DIR        read a /proc-like tree instead of /proc; nothing else of the live
                    system is read and lsns is not run
  --wslconfig PATH  include the Windows-side .wslconfig file
  --no-cmdline      leave process command lines out
  --quiet           print nothing but errors
  --help            show this help

Exit status: 0 written, 1 failed (nothing written), 2 usage error.
EOF
}

# --- messages (stderr, one prefix) and arguments --------------------------------------

err() { printf 'nsnap-collect: %s\n' "$*" >&2; }
say() { [ "$OPT_QUIET" = 1 ] || err "$@"; }
die() {
    err "$*"
    exit 1
}
usage_error() {
    err "$1"
    printf "hint: try 'sh %s --help'\n" "$NSNAP_NAME" >&2
    exit 2
}

# --wsl and --into-bundle belong to the orchestrator beside this script; this file stays
# the one self-contained capture that can be copied alone to any level.
run_orchestrator() {
    ro_dir=${0%/*}
    [ "$ro_dir" != "$0" ] || ro_dir=.
    if [ ! -f "$ro_dir/nsnap-wsl.sh" ]; then
        err "$1 needs nsnap-wsl.sh beside this script ($ro_dir); copy the whole collector folder, or run 'sh nsnap-wsl.sh' from it"
        exit 2
    fi
    shift
    exec sh "$ro_dir/nsnap-wsl.sh" "$@"
}

parse_args() {
    for pa_arg in "$@"; do
        case $pa_arg in
            --wsl) run_orchestrator --wsl "$@" ;;
            --into-bundle | --into-bundle=*) run_orchestrator --into-bundle "$@" ;;
        esac
    done
    OPT_DISTRO='' OPT_CHOWN='' OPT_OUT='' OPT_LABEL='' OPT_PROC='' OPT_WSLCONFIG='' OPT_CMDLINE=1 OPT_QUIET=0
    while [ $# -gt 0 ]; do
        # An option with a value takes it from the next argument or after '='.
        pa_opt=$1
        case $1 in --*=*) pa_opt=${1%%=*} ;; esac
        pa_var=
        case $pa_opt in
            -o | --output) pa_var=OPT_OUT ;;
            --label) pa_var=OPT_LABEL ;;
            --proc) pa_var=OPT_PROC ;;
            --wslconfig) pa_var=OPT_WSLCONFIG ;;
            --distro) pa_var=OPT_DISTRO ;;
            --chown) pa_var=OPT_CHOWN ;;
            -h | --help | --no-cmdline | -q | --quiet) [ "$pa_opt" = "$1" ] || usage_error "unknown option '$1'" ;;
            -*) usage_error "unknown option '$1'" ;;
            *) usage_error "unexpected argument '$1'" ;;
        esac
        case $pa_opt in
            -h | --help) usage && exit 0 ;;
            --no-cmdline) OPT_CMDLINE=0 ;;
            -q | --quiet) OPT_QUIET=1 ;;
        esac
        if [ -n "$pa_var" ]; then
            if [ "$pa_opt" = "$1" ]; then
                pa_val=${2-}
                [ -n "$pa_val" ] || usage_error "option '$1' needs a value"
                shift
            else
                pa_val=${1#*=}
                [ -n "$pa_val" ] || usage_error "option '$pa_opt' needs a value"
            fi
            eval "$pa_var=\$pa_val" # pa_var is one of the names above
        fi
        shift
    done
    [ -z "$OPT_PROC" ] || [ -d "$OPT_PROC" ] || usage_error "--proc '$OPT_PROC' is not a directory"
    if [ -n "$OPT_CHOWN" ]; then
        if ! is_uint "${OPT_CHOWN%%:*}" || ! is_uint "${OPT_CHOWN#*:}" || [ "${OPT_CHOWN#*:}" = "$OPT_CHOWN" ]; then
            usage_error "--chown needs numeric UID:GID, not '$OPT_CHOWN'"
        fi
    fi
}

# --- jobs under a timeout -------------------------------------------------------------

# Timeouts are the collector's own, in shell: busybox's `timeout` daemonises a watchdog
# that outlives its job and is left to PID 1 (a zombie in a container whose PID 1 never
# reaps). Every helper here is a child of the shell that started it and is reaped by it:
#
#   supervise SECS CMD   (a subshell)  +-- CMD, in the background, with our stdin
#                                      +-- watchdog (a subshell) +-- sleep SECS, sleep 5
#
# When CMD ends, the supervisor stops and reaps the watchdog and exits with CMD's status,
# or 124 when the watchdog stopped CMD (TERM, then KILL 5 s later). A TERM, INT or HUP
# to either stops what it started and reaps it first; the traps count them in SIG_SEEN.

# reap PID: waits until PID (a child) is reaped, also when a trapped signal interrupts
# `wait`: then PID is stopped and waited for again. Sets REAP_RC.
reap() {
    while :; do
        rp_seen=$SIG_SEEN
        wait "$1" 2>/dev/null # (dash and busybox report a job killed by a signal)
        REAP_RC=$?
        [ "$rp_seen" = "$SIG_SEEN" ] && return 0
        kill_tree "$1"
    done
}

counted_traps() {
    SIG_SEEN=0
    trap 'SIG_SEEN=$((SIG_SEEN + 1))' TERM INT HUP
}

# watchdog PID SECS: a subshell's body; exits 124 when it stopped PID. A TERM that came
# before the trap was set may be lost: the supervisor sends it only once PID is reaped.
watchdog() {
    counted_traps
    kill -0 "$1" 2>/dev/null || exit 0
    wd_sig=TERM
    for wd_secs in "$2" 5; do
        [ "$SIG_SEEN" = 0 ] || break
        sleep "$wd_secs" &
        wd_sleep=$!
        # A sleep that ends by a signal (the supervisor KILLs it) counts as being stopped.
        if [ "$SIG_SEEN" != 0 ] || ! wait "$wd_sleep" || [ "$SIG_SEEN" != 0 ]; then
            kill -s KILL "$wd_sleep" 2>/dev/null
            reap "$wd_sleep"
            break
        fi
        kill_tree "$1" "$wd_sig"
        wd_sig=KILL
    done
    [ "$wd_sig" = TERM ] || exit 124
    exit 0
}

supervise() {
    sv_secs=$1
    shift
    counted_traps
    # Without job control an asynchronous command's stdin is /dev/null: pass ours on fd 3.
    exec 3<&0
    "$@" <&3 3<&- &
    sv_cmd=$!
    exec 3<&-
    (watchdog "$sv_cmd" "$sv_secs") </dev/null >/dev/null 2>&1 &
    sv_wd=$!
    reap "$sv_cmd"
    sv_rc=$REAP_RC
    # TERM to the watchdog, then KILL to its sleep, read after the TERM so that a sleep
    # just starting is not missed (a child not yet exec'd still drops a TERM).
    kill "$sv_wd" 2>/dev/null
    children_of "$sv_wd"
    for sv_kid in $KIDS; do
        is_pid "$sv_kid" && kill -s KILL "$sv_kid" 2>/dev/null
    done
    reap "$sv_wd"
    [ "$REAP_RC" = 124 ] && exit 124
    exit "$sv_rc"
}

# tmo SECS CMD...: runs CMD in the foreground under a timeout (none without `sleep`).
tmo() {
    tmo_secs=$1
    shift
    if [ -n "$HAVE_SLEEP" ]; then (supervise "$tmo_secs" "$@"); else "$@"; fi
}

# spawn DIR IN OUT ERR SECS CMD...: starts CMD in DIR in the background, under a timeout
# of SECS (0: none), and sets BG_PID: CMD itself, or its supervisor. The redirections sit
# on the asynchronous command itself (without job control its stdin is /dev/null).
spawn() {
    sp_dir=$1 sp_in=$2 sp_out=$3 sp_err=$4 sp_secs=$5
    shift 5
    if [ -n "$HAVE_SLEEP" ] && [ "$sp_secs" != 0 ]; then
        (cd "$sp_dir" && supervise "$sp_secs" "$@") <"$sp_in" >"$sp_out" 2>"$sp_err" &
    else
        (cd "$sp_dir" && exec "$@") <"$sp_in" >"$sp_out" 2>"$sp_err" &
    fi
    BG_PID=$!
}

# run_job: spawn, then wait_job (a trapped signal interrupts `wait` at once, and the
# trap then kills JOB_PID).
run_job() {
    spawn "$@"
    JOB_PID=$BG_PID
    wait_job JOB_PID
}

# wait_job VAR: waits for the job whose PID is in VAR, sets JOB_RC, then empties VAR.
wait_job() {
    eval "wait \"\$$1\""
    JOB_RC=$?
    eval "$1="
}

# Was the last job stopped by its timeout (124, or killed)?
job_timed_out() {
    [ -n "$HAVE_SLEEP" ] && { [ "$JOB_RC" -eq 124 ] || [ "$JOB_RC" -gt 128 ]; }
}

# children_of PID: sets KIDS to the PIDs of PID's children.
children_of() {
    KIDS=
    [ ! -r "/proc/$1/task/$1/children" ] || read -r KIDS 2>/dev/null <"/proc/$1/task/$1/children" || :
}

# kill_tree PID [SIGNAL]: TERM (or SIGNAL) to a job and what it started, up to four
# levels down (supervisor, command, watchdog; xargs and its cp). The tree is read before
# any kill (orphans go to init), and the deepest get it first, so that each parent
# still reaps them and nothing keeps writing into the staging folder being removed.
kill_tree() {
    kt_all=$1
    kt_level=$1
    kt_depth=0
    while [ -n "$kt_level" ] && [ "$kt_depth" -lt 4 ]; do
        kt_next=
        for kt_p in $kt_level; do
            children_of "$kt_p"
            kt_next="$kt_next $KIDS"
        done
        kt_all="$kt_next $kt_all"
        kt_level=$kt_next
        kt_depth=$((kt_depth + 1))
    done
    for kt_p in $kt_all; do
        is_pid "$kt_p" && kill -s "${2:-TERM}" "$kt_p" 2>/dev/null
    done
}

# --- small helpers --------------------------------------------------------------------

is_uint() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
}

# A PID: decimal, no leading zero, at most PID_MAX_LIMIT (4194304, 2^22).
is_pid() {
    case $1 in '' | 0* | *[!0-9]*) return 1 ;; esac
    [ ${#1} -le 7 ] && [ "$1" -le 4194304 ]
}

# json_string VALUE [MAX]: sets JSON_OUT to VALUE as a quoted JSON string, backslash and
# double quote escaped and control characters dropped (the format says so), cut to MAX
# bytes (the schema's maxLength). Builtins only, no process per value.
json_string() {
    js_s=$1
    [ ${#js_s} -le "${2:-4096}" ] || js_s=$(printf "%.${2:-4096}s" "$js_s")
    while :; do
        case $js_s in
            *[[:cntrl:]]*) js_s=${js_s%%[[:cntrl:]]*}${js_s#*[[:cntrl:]]} ;;
            *) break ;;
        esac
    done
    js_out=
    while :; do
        case $js_s in
            *[\\\"]*)
                js_pre=${js_s%%[\\\"]*}
                js_rest=${js_s#"$js_pre"}
                js_out=$js_out$js_pre\\${js_rest%"${js_rest#?}"}
                js_s=${js_rest#?}
                ;;
            *) break ;;
        esac
    done
    JSON_OUT=\"$js_out$js_s\"
}

# json_or_null KIND VALUE [MAX]: JSON_OUT is VALUE as KIND, or null when VALUE is empty
# or not of KIND: str (a string, as json_string), id (a 32-bit number), cap (16 hex
# digits, a string).
json_or_null() {
    JSON_OUT=null
    case $1 in
        str) [ -z "$2" ] || json_string "$2" "${3:-4096}" ;;
        id) is_uint "$2" && [ ${#2} -le 10 ] && [ "$2" -le 4294967295 ] && JSON_OUT=$2 ;;
        cap) case $2 in *[!0-9a-f]*) ;; ????????????????) JSON_OUT=\"$2\" ;; esac ;;
    esac
    :
}

# sanitize VALUE: SAN_OUT is VALUE with each byte outside [A-Za-z0-9._-] replaced by
# '_', cut to MAX_NAME_PART bytes.
sanitize() {
    san_s=$1
    while :; do
        case $san_s in
            *[!A-Za-z0-9._-]*) san_s=${san_s%%[!A-Za-z0-9._-]*}_${san_s#*[!A-Za-z0-9._-]} ;;
            *) break ;;
        esac
    done
    while [ ${#san_s} -gt "$MAX_NAME_PART" ]; do san_s=${san_s%?}; done
    SAN_OUT=$san_s
}

# read_first_line FILE: LINE_OUT is FILE's first line (empty when unreadable), by a
# builtin read. Only regular files: a FIFO planted in a --proc tree would block forever.
read_first_line() {
    LINE_OUT=
    [ -f "$1" ] || return 1
    IFS= read -r LINE_OUT 2>/dev/null <"$1" || [ -n "$LINE_OUT" ]
}

# abs_path PATH: ABS_OUT is PATH made absolute against the current folder.
abs_path() {
    case $1 in
        /*) ABS_OUT=$1 ;;
        *) ABS_OUT=${PWD:-$(pwd)}/$1 ;;
    esac
}

# --- setup and cleanup ----------------------------------------------------------------

setup_env() {
    # tar's message on failure is searched for its cause: English, bytewise patterns.
    LC_ALL=C
    export LC_ALL
    umask 077 # the staging folder and the tarball hold command lines
    TMP_OUT='' WORK='' JOB_PID='' JOB2_PID='' TAR_PID='' COUNT_PID='' LSNS_PID='' JOB_RC=0 RENAMING=0
    NL='
'
    # Timeouts need `sleep` (a program in coreutils and busybox); without it jobs run unbounded.
    HAVE_SLEEP=
    command -v sleep >/dev/null 2>&1 && HAVE_SLEEP=1
    trap cleanup EXIT
    trap 'on_signal 130' INT
    trap 'on_signal 143' TERM
    trap 'on_signal 129' HUP
}

# Removes everything this run made but a finished output file. Safe to call twice (from
# a signal trap and then from the EXIT trap).
cleanup() {
    # A signal can come between a job's `&` and the line that names it: then only $!
    # knows it, and it is stopped too while it is still our child.
    cu_last=
    if is_pid "${!-}" && read_first_line "/proc/$!/stat"; then
        cu_stat=${LINE_OUT##*) }
        cu_stat=${cu_stat#* }
        [ "${cu_stat%% *}" = "$$" ] && cu_last=$!
    fi
    for cu_pid in $JOB_PID $JOB2_PID $TAR_PID $COUNT_PID $LSNS_PID $cu_last; do
        kill_tree "$cu_pid"
        wait "$cu_pid" 2>/dev/null
    done
    JOB_PID='' JOB2_PID='' TAR_PID='' COUNT_PID='' LSNS_PID=''
    if [ -n "$TMP_OUT" ]; then
        [ "$RENAMING" != 1 ] || [ -e "$TMP_OUT" ] || rm -f "$OUT_ABS" 2>/dev/null
        rm -f "$TMP_OUT" 2>/dev/null
        TMP_OUT=
    fi
    if [ -n "$WORK" ]; then
        # Busybox cp keeps /proc's read-only folder modes; a program killed a moment ago
        # may still finish its write: chmod, then try again after a second.
        rm -rf "$WORK" 2>/dev/null || {
            chmod -R u+rwx "$WORK" 2>/dev/null
            rm -rf "$WORK" 2>/dev/null
        } || {
            sleep 1
            rm -rf "$WORK" 2>/dev/null
        }
        WORK=
    fi
}

on_signal() {
    trap '' INT TERM HUP
    cleanup
    say "interrupted; nothing was written"
    exit "$1"
}

# now: one date call gives the stamp for the file name, ISO 8601 and epoch seconds.
now() {
    NOW=$(date -u '+%Y%m%dT%H%M%SZ %Y-%m-%dT%H:%M:%SZ %s' 2>/dev/null) || NOW=
    # shellcheck disable=SC2086 # three words
    set -- $NOW
    NOW_STAMP=${1:-19700101T000000Z} NOW_ISO=${2:-1970-01-01T00:00:00Z} NOW_EPOCH=${3:-0}
    is_uint "$NOW_EPOCH" || NOW_EPOCH=0
}

# --- the view -------------------------------------------------------------------------

read_view() {
    if [ -n "$OPT_PROC" ]; then
        abs_path "$OPT_PROC"
        PROC=${ABS_OUT%/} LIVE=0
    else
        PROC=/proc LIVE=1
    fi
    # Our own PID as this procfs numbers it: the shell opens self/stat itself, so "self"
    # is the shell. A fake tree has a link; a real procfs given with --proc answers
    # readlink with the readlink process, gone by now.
    SELF_PID=
    if [ "$LIVE" = 1 ]; then
        read_first_line "$PROC/self/stat"
        SELF_PID=${LINE_OUT%% *}
    elif [ -L "$PROC/self" ]; then
        SELF_PID=$(readlink "$PROC/self" 2>/dev/null)
        if [ -n "$SELF_PID" ] && [ ! -d "$PROC/$SELF_PID" ]; then
            read_first_line "$PROC/self/stat"
            SELF_PID=${LINE_OUT%% *}
        fi
    fi
    is_pid "$SELF_PID" || SELF_PID=
    read_first_line "$PROC/sys/kernel/random/boot_id"; VIEW_BOOT_ID=$LINE_OUT
    read_first_line "$PROC/sys/kernel/hostname"; VIEW_HOSTNAME=$LINE_OUT
    read_first_line "$PROC/sys/kernel/osrelease"; VIEW_KREL=$LINE_OUT
    read_first_line "$PROC/sys/kernel/version"; VIEW_KVER=$LINE_OUT
    read_first_line "$PROC/uptime"; UPTIME_START=${LINE_OUT%% *}
    # uid, euid and capabilities from our own status.
    VIEW_UID='' VIEW_EUID='' VIEW_CAP_EFF='' VIEW_CAP_PRM='' VIEW_CAP_BND=''
    if [ -f "$PROC/self/status" ]; then
        while IFS= read -r rv_line; do
            # shellcheck disable=SC2086 # split the values on whitespace
            set -- ${rv_line#*:}
            case $rv_line in
                Uid:*) VIEW_UID=${1-} VIEW_EUID=${2-} ;;
                CapEff:*) VIEW_CAP_EFF=${1-} ;;
                CapPrm:*) VIEW_CAP_PRM=${1-} ;;
                CapBnd:*) VIEW_CAP_BND=${1-} ;;
            esac
        done 2>/dev/null <"$PROC/self/status"
    fi
    # The procfs mounts this view sees: hidepid= and subset= show up here.
    MOUNT_LINES='' MOUNT_COUNT=0 VIEW_HIDEPID=''
    if [ -f "$PROC/self/mountinfo" ]; then
        while IFS= read -r rv_line; do
            case $rv_line in *' - proc '*) ;; *) continue ;; esac
            procfs_hidepid "$rv_line"
            [ "$MOUNT_COUNT" -lt "$MAX_MOUNT_LINES" ] || continue
            json_string "$rv_line"
            MOUNT_LINES=$MOUNT_LINES${MOUNT_LINES:+, }$JSON_OUT
            MOUNT_COUNT=$((MOUNT_COUNT + 1))
        done 2>/dev/null <"$PROC/self/mountinfo"
    fi
    [ -z "$VIEW_HIDEPID" ] ||
        say "warning: $PROC is mounted with hidepid=$VIEW_HIDEPID: processes of other users may be missing; the snapshot says so (view.hidepid)"
    SELF_ROOT=
    [ -n "$SELF_PID" ] && root_of "$SELF_PID" && SELF_ROOT=$ROOT_OUT
    :
}

# procfs_hidepid MOUNTINFO_LINE: when the line is the proc mount at $PROC, VIEW_HIDEPID
# is its hidepid= value (empty for 0/off). The last mount at $PROC, the one on top, wins.
# A mount point with a space is escaped (\040) and never matches: hidepid then goes
# unflagged, but the raw lines are in view.procfs_mounts.
procfs_hidepid() {
    ph_rest=${1#* * * * }
    [ "${ph_rest%% *}" = "${PROC:-/}" ] || return 0
    ph_opts=${1##* - proc }
    ph_opts=,${ph_opts#* },
    VIEW_HIDEPID=
    case $ph_opts in *,hidepid=*) ;; *) return 0 ;; esac
    ph_val=${ph_opts#*,hidepid=}
    ph_val=${ph_val%%,*}
    case $ph_val in 0 | off | *[!a-z0-9]*) ;; *) VIEW_HIDEPID=$ph_val ;; esac
}

# root_of PID: ROOT_OUT is PID's root folder. In a --proc tree a root that is a symlink
# is refused: it would lead out of the tree into the live system.
root_of() {
    ROOT_OUT=$PROC/$1/root
    [ "$LIVE" = 1 ] || [ ! -L "$ROOT_OUT" ]
}

# The shell that runs us, for the manifest: variables first; dash and busybox ash have
# none, so read our own executable's link.
detect_shell() {
    SHELL_NAME='sh'
    [ -z "${KSH_VERSION-}" ] || SHELL_NAME=ksh
    [ -z "${ZSH_VERSION-}" ] || SHELL_NAME=zsh
    [ -z "${BASH_VERSION-}" ] || SHELL_NAME=bash
    [ "$SHELL_NAME" = sh ] && read_first_line /proc/self/stat || return 0
    ds_exe=$(readlink "/proc/${LINE_OUT%% *}/exe" 2>/dev/null) || return 0
    case ${ds_exe##*/} in
        *busybox*) SHELL_NAME=busybox ;;
        dash*) SHELL_NAME=dash ;;
        bash*) SHELL_NAME=bash ;;
    esac
}

# choose_distro: DISTRO and DISTRO_FROM, the WSL distro of this view. sudo drops
# WSL_DISTRO_NAME, but WSL names each distro's init `init(NAME)`, or `init-systemd(NAME)`
# (PID 2 under systemd), and a comm keeps 15 bytes: without the ')' the name was cut,
# which the manifest says (DISTRO_CUT) rather than pass a prefix off as the name.
choose_distro() {
    DISTRO='' DISTRO_FROM='' DISTRO_CUT=false
    if [ -n "$OPT_DISTRO" ]; then
        DISTRO=$OPT_DISTRO DISTRO_FROM='option --distro'
        return
    elif [ -n "${WSL_DISTRO_NAME-}" ]; then
        DISTRO=$WSL_DISTRO_NAME DISTRO_FROM='WSL_DISTRO_NAME'
        return
    fi
    for cd_pid in 1 2; do
        cd_comm=
        IFS= read -r cd_comm 2>/dev/null <"$PROC/$cd_pid/comm" || continue
        case $cd_comm in 'init('?* | 'init-systemd('?*) ;; *) continue ;; esac
        cd_name=${cd_comm#*\(}
        case $cd_name in *\)) cd_name=${cd_name%\)} ;; *) DISTRO_CUT=true ;; esac
        [ -n "$cd_name" ] || continue
        DISTRO=$cd_name DISTRO_FROM="comm '$cd_comm' of PID $cd_pid"
        return
    done
}

# LABEL (for the manifest) and LABEL_SAFE, HOST_SAFE (for the file name).
choose_label() {
    choose_distro
    LABEL=$OPT_LABEL
    if [ -z "$LABEL" ] && [ -n "$DISTRO" ] && [ "$DISTRO_CUT" = false ]; then
        LABEL=$DISTRO
    elif [ -z "$LABEL" ] && [ -n "$SELF_ROOT" ] && resolve_in_root "$SELF_ROOT" etc/os-release; then
        while IFS= read -r cl_line; do
            case $cl_line in ID=*) ;; *) continue ;; esac
            LABEL=${cl_line#ID=}
            LABEL=${LABEL#[\"\']}
            LABEL=${LABEL%[\"\']}
            break
        done 2>/dev/null <"$RESOLVED"
    fi
    sanitize "${LABEL:=view}"
    LABEL_SAFE=${SAN_OUT:-view}
    sanitize "${VIEW_HOSTNAME:-host}"
    HOST_SAFE=${SAN_OUT:-host}
}

# resolve_in_root ROOT RELPATH: RESOLVED is the regular file RELPATH names inside ROOT
# (a /proc/PID/root); fails when there is none. By hand, because below /proc/PID/root
# the kernel resolves an absolute symlink against the READER's root: a container's
# /etc/os-release -> /etc/shadow would hand us the host's file. A symlink's target is
# spliced in (absolute ones restart at ROOT), a '..' above ROOT is refused, at most
# MAX_LINK_HOPS links are followed, and only a regular file passes (never a FIFO or
# device). A file swapped for a link after the check is read capped and under a timeout.
resolve_in_root() {
    rr_root=$1 rr_todo=$2 rr_done='' rr_hops=0 RESOLVED=''
    while [ -n "$rr_todo" ]; do
        rr_head=${rr_todo%%/*}
        case $rr_todo in */*) rr_todo=${rr_todo#*/} ;; *) rr_todo= ;; esac
        case $rr_head in
            '' | .) continue ;;
            ..)
                [ -n "$rr_done" ] || return 1
                case $rr_done in */*) rr_done=${rr_done%/*} ;; *) rr_done= ;; esac
                continue
                ;;
        esac
        rr_path=$rr_root/${rr_done:+$rr_done/}$rr_head
        if [ -L "$rr_path" ]; then
            rr_hops=$((rr_hops + 1))
            [ "$rr_hops" -le "$MAX_LINK_HOPS" ] || return 1
            rr_target=$(readlink "$rr_path" 2>/dev/null) && [ -n "$rr_target" ] || return 1
            case $rr_target in /*) rr_done= ;; esac
            rr_todo=$rr_target${rr_todo:+/$rr_todo}
            continue
        fi
        [ -z "$rr_todo" ] || [ -d "$rr_path" ] || return 1
        rr_done=${rr_done:+$rr_done/}$rr_head
    done
    [ -n "$rr_done" ] || return 1
    RESOLVED=$rr_root/$rr_done
    [ -f "$RESOLVED" ] && [ ! -L "$RESOLVED" ] && [ ! -p "$RESOLVED" ]
}

# copy_capped SRC DEST MAXBYTES: at most MAXBYTES of a checked regular file, under a
# timeout (a FUSE or 9P file can hang); no partial DEST on failure.
copy_capped() {
    tmo "$FILE_TIMEOUT" head -c "$3" "$1" >"$2" 2>/dev/null && return 0
    rm -f "$2"
    return 1
}

# --- output and staging ---------------------------------------------------------------

plan_output() {
    TOPNAME=nsnap-$HOST_SAFE-$LABEL_SAFE-$START_STAMP
    TO_STDOUT=0 OUT_DIR=
    if [ "$OPT_OUT" = - ]; then
        [ ! -t 1 ] || usage_error "refusing to write a tarball to a terminal; redirect stdout or use -o FILE"
        TO_STDOUT=1
        return
    fi
    OUT=${OPT_OUT:-./$TOPNAME.tar.gz}
    case $OUT in */*) OUT_DIR=${OUT%/*} ;; *) OUT_DIR=. ;; esac
    OUT_DIR=${OUT_DIR:-/}
    OUT_BASE=${OUT##*/}
    abs_path "$OUT"
    OUT_ABS=$ABS_OUT
    abs_path "$OUT_DIR"
    OUT_DIR_ABS=$ABS_OUT
    if [ -z "$OUT_BASE" ] || [ -d "$OUT" ]; then die "output '$OUT' is a folder; give a file name"; fi
    # The rename at the end would replace a device or a link such as /dev/stdout.
    if [ -L "$OUT" ] || { [ -e "$OUT" ] && [ ! -f "$OUT" ]; }; then
        die "output '$OUT' exists and is not a regular file; use -o - for stdout"
    fi
    [ -d "$OUT_DIR" ] || die "cannot write '$OUT': folder '$OUT_DIR' does not exist"
    # Prove the target writable before any work by creating the hidden file the tarball
    # is written to (renamed into place at the end); noclobber makes the create exclusive,
    # so nobody's file or link is overwritten. Named before it exists, so that a signal
    # between the two leaves nothing.
    po_i=0
    while :; do
        TMP_OUT=$OUT_DIR_ABS/.$OUT_BASE.$$.$po_i.partial
        set -C
        if printf '' 2>/dev/null >"$TMP_OUT"; then
            set +C
            break
        fi
        set +C
        po_tmp=$TMP_OUT
        TMP_OUT=
        if [ ! -e "$po_tmp" ] || [ "$po_i" -ge 20 ]; then
            die "cannot write to folder '$OUT_DIR' (is it writable? a read-only file system?); nothing was written"
        fi
        po_i=$((po_i + 1))
    done
}

# One folder holds the snapshot's top folder and our scratch files. The capture makes
# ~17 small files per process; on a slow disk that dominates (5000 processes: 42 s in a
# disk-backed /tmp, 3.9 s on tmpfs), so without TMPDIR a writable /dev/shm is preferred.
# mktemp only names it and our mkdir makes it, after WORK holds the name (a signal during
# `mktemp -d` would leave a folder the trap does not know); mkdir fails on anything
# already there. Without mktemp, a fixed name in the staging base, else (a read-only
# /tmp) next to the output.
make_staging() {
    ms_base=${TMPDIR:-/tmp}
    if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && [ ! -L /dev/shm ]; then
        ms_base=/dev/shm
    fi
    WORK=
    if command -v mktemp >/dev/null 2>&1; then
        WORK=$(mktemp -u "$ms_base/nsnap.XXXXXX" 2>/dev/null) || WORK=
        [ -z "$WORK" ] || mkdir "$WORK" 2>/dev/null || WORK=
    fi
    if [ -z "$WORK" ]; then
        abs_path "${OUT_DIR:-.}"
        ms_parent=$ABS_OUT
        for ms_dir in "$ms_base" "$ms_parent"; do
            WORK=$ms_dir/.nsnap-stage.$$.$START_EPOCH
            mkdir "$WORK" 2>/dev/null && break
            WORK=
        done
        [ -n "$WORK" ] || die "cannot create a staging folder in '$ms_base' or '$ms_parent'; set TMPDIR to a writable folder"
    fi
    abs_path "$WORK"
    WORK=$ABS_OUT TOP=$ABS_OUT/$TOPNAME
    STAGE_PROC=$TOP/proc
    mkdir -p "$STAGE_PROC/sys/kernel/random" "$WORK/probe" 2>/dev/null ||
        die "cannot write to the staging folder '$WORK'"
}

# check_room: 64 KiB still fit in the staging folder. Run after each step that fills it:
# a full folder would otherwise make files go missing without a word.
check_room() {
    printf '%65536s' '' 2>/dev/null >"$WORK/probe/room" ||
        die "the staging folder '$WORK' is full or read-only; set TMPDIR to a folder with room"
    : >"$WORK/probe/room"
}

# Does this cp copy /proc-like trees with --parents, keeping symlinks and making writable
# folders? Tried on a tiny tree rather than guessed from a version. Also: can xargs take
# a 512 KiB command line (a few thousand processes in one cp), and does find -printf?
detect_tools() {
    COPY_MODE=loop XARGS_SIZE='' FIND_PRINTF=0
    dt_src=$WORK/probe/src
    if mkdir -p "$dt_src/1/ns" "$WORK/probe/dst" 2>/dev/null && printf 'x\n' >"$dt_src/1/f" 2>/dev/null &&
        ln -s 'pid:[1]' "$dt_src/1/ns/pid" 2>/dev/null &&
        (cd "$dt_src" && exec cp -dR --parents --no-preserve=mode -t "$WORK/probe/dst" 1/f 1/ns) >/dev/null 2>&1 &&
        [ -f "$WORK/probe/dst/1/f" ] && [ -L "$WORK/probe/dst/1/ns/pid" ]; then
        COPY_MODE=bulk
    fi
    xargs -s 524288 true </dev/null >/dev/null 2>&1 && XARGS_SIZE=524288
    find "$WORK/probe" -maxdepth 0 -printf '' >/dev/null 2>&1 && FIND_PRINTF=1
    :
}

# --- copying the processes ------------------------------------------------------------

# Lists every PID folder (a builtin glob) into pids.list and writes the copy's input:
# for bulk, the relative paths for `xargs cp --parents` (copy.list; from SPLIT_MIN
# folders on, the second half goes to copy2.list for a second cp at once: two cores,
# and lsns mostly waits on the kernel); for loop, a small sh script, one cp per process.
plan_copy() {
    PID_FILES='status stat comm cgroup'
    [ "$OPT_CMDLINE" = 1 ] && PID_FILES='status stat cmdline comm cgroup'
    PID_COUNT=0 pc_split=0
    if [ "$COPY_MODE" = bulk ]; then
        set -- "$PROC"/[0-9]*
        [ $# -lt "$SPLIT_MIN" ] || pc_split=$(($# / 2))
    fi
    {
        if [ "$COPY_MODE" = bulk ]; then
            printf '%s\n' uptime sys/kernel/random/boot_id sys/kernel/hostname sys/kernel/osrelease sys/kernel/version
        else
            # shellcheck disable=SC2016 # $1, $2 and $d belong to the generated script
            printf '%s\n' 'cd "$1" || exit 1' 'd=$2' 'cp uptime "$d/"' 'cp sys/kernel/random/boot_id "$d/sys/kernel/random/"' \
                'cp sys/kernel/hostname sys/kernel/osrelease sys/kernel/version "$d/sys/kernel/"'
        fi
        for pc_d in "$PROC"/[0-9]*; do
            pc_p=${pc_d##*/}
            # A --proc tree could link a PID folder into the live /proc; cp would follow.
            is_pid "$pc_p" && [ ! -L "$pc_d" ] || continue
            printf '%s\n' "$pc_p" >&3
            PID_COUNT=$((PID_COUNT + 1))
            pc_line=
            for pc_f in $PID_FILES ns; do pc_line="$pc_line $pc_p/$pc_f"; done
            if [ "$COPY_MODE" = loop ]; then
                # shellcheck disable=SC2016 # $d belongs to the generated script
                printf 'cp -dR%s "$d/%s/"\n' "$pc_line" "$pc_p"
            elif [ "$pc_split" -gt 0 ] && [ "$PID_COUNT" -gt "$pc_split" ]; then
                # shellcheck disable=SC2086 # one path a line: digits and fixed names
                printf '%s\n' $pc_line >&6
            else
                # shellcheck disable=SC2086
                printf '%s\n' $pc_line
            fi
        done
    } >"$WORK/copy.list" 3>"$WORK/pids.list" 6>"$WORK/copy2.list" 2>/dev/null ||
        die "cannot write to the staging folder '$WORK'"
    [ "$PID_COUNT" -gt 0 ] || die "no process folders in '$PROC' (is procfs mounted?); nothing was written"
}

copy_processes() {
    COPY_TIMED_OUT=0
    cp_ms=$COPY_MS_PER_PROCESS
    [ "$COPY_MODE" = bulk ] || cp_ms=$LOOP_MS_PER_PROCESS
    cp_secs=$((COPY_TIMEOUT + PID_COUNT * cp_ms / 1000))
    if [ "$COPY_MODE" = bulk ]; then
        set -- xargs ${XARGS_SIZE:+-s "$XARGS_SIZE"} cp -dR --parents --no-preserve=mode -t "$STAGE_PROC"
        if [ -s "$WORK/copy2.list" ]; then
            spawn "$PROC" "$WORK/copy2.list" /dev/null /dev/null "$cp_secs" "$@"
            JOB2_PID=$BG_PID
        fi
        run_job "$PROC" "$WORK/copy.list" /dev/null /dev/null "$cp_secs" "$@"
        job_timed_out && COPY_TIMED_OUT=1
        if [ -n "$JOB2_PID" ]; then
            wait_job JOB2_PID
            job_timed_out && COPY_TIMED_OUT=1
        fi
    else
        # Busybox cp has no --parents: one mkdir for every PID folder, then the script.
        if [ -s "$WORK/pids.list" ]; then
            (cd "$STAGE_PROC" && exec xargs mkdir -p <"$WORK/pids.list") 2>/dev/null ||
                die "cannot create folders in the staging folder '$WORK'"
        fi
        run_job "$PROC" /dev/null /dev/null /dev/null "$cp_secs" sh "$WORK/copy.list" "$PROC" "$STAGE_PROC"
        job_timed_out && COPY_TIMED_OUT=1
        # Busybox cp copies /proc's folder modes (r-x): make the tree ours again.
        chmod -R u+rwX "$TOP" 2>/dev/null
    fi
    [ "$LIVE" = 1 ] || drop_foreign_entries
    :
}

# A --proc tree is only a folder: where /proc has files it may hold FIFOs, devices or
# symlinks. cp -R recreates those without opening them, and here they are dropped: the
# snapshot keeps only files, folders and namespace links (GNU find also checks a link's
# target: `type:[inode]`, no slash).
drop_foreign_entries() {
    if [ "$FIND_PRINTF" = 1 ]; then
        (cd "$STAGE_PROC" && exec find . \( \( -type l \( ! -path './[0-9]*/ns/*' \
            -o ! -lname '*:\[[0-9]*\]' -o -lname '*/*' \) \) \
            -o \( ! -type d ! -type f ! -type l \) \) -exec rm -f {} +) >/dev/null 2>&1
    else
        (cd "$STAGE_PROC" && exec find . \( \( -type l ! -path './[0-9]*/ns/*' \) \
            -o \( ! -type d ! -type f ! -type l \) \) -exec rm -f {} +) >/dev/null 2>&1
    fi
}

# --- what the copy missed, and why ----------------------------------------------------

# The copy's own messages are not read (their wording differs between GNU, busybox and
# versions): what is missing in the staging folder is judged by what the script can see.

# note_failure PID FILE CODE: one failed read into denied (EACCES, fd 4) or errors (fd 5).
note_failure() {
    if [ "$3" = EACCES ]; then
        DENIED_N=$((DENIED_N + 1))
        [ "$DENIED_N" -le "$MAX_LIST_ENTRIES" ] || return 0
        [ "$DENIED_N" -eq 1 ] || printf ',' >&4
        printf '\n    {"path": "proc/%s/%s", "error": "%s"}' "$1" "$2" "$3" >&4
    else
        ERRORS_N=$((ERRORS_N + 1))
        [ "$ERRORS_N" -le "$MAX_LIST_ENTRIES" ] || return 0
        [ "$ERRORS_N" -eq 1 ] || printf ',' >&5
        printf '\n    {"path": "proc/%s/%s", "error": "%s"}' "$1" "$2" "$3" >&5
    fi
}

# stat_field STAT N: FIELD_OUT is field N (3 or more) of the stat file STAT, split after
# the last ')' (a comm may hold spaces and parentheses).
stat_field() {
    FIELD_OUT=
    read_first_line "$1" || return 1
    # shellcheck disable=SC2086 # split the fields after the comm
    set -- "$2" ${LINE_OUT##*) }
    [ $# -ge $(($1 - 1)) ] || return 1
    shift $(($1 - 2))
    FIELD_OUT=$1
}

# gone PID: PID's folder is gone, or holds another process now (a PID is reused at
# once): its start time (stat field 22) differs from the one staged.
gone() {
    [ -d "$PROC/$1" ] || return 0
    stat_field "$STAGE_PROC/$1/stat" 22 || return 1
    go_start=$FIELD_OUT
    stat_field "$PROC/$1/stat" 22 && [ "$FIELD_OUT" != "$go_start" ]
}

# why_missing PID FILE: WHY is why FILE (a file or ns/TYPE) of PID, whose process is
# still there, is not in the staging folder:
#   EACCES   the PID folder cannot be entered (hidepid=1), the file may not be read or
#            opened, or a namespace link cannot be followed (that needs ptrace access);
#   ENOENT   the file is not there, or the process is a zombie, whose links lead nowhere;
#   timeout  the copy was stopped by its timeout before it got there;
#   other    anything else, such as a FIFO in a --proc tree, which is never opened.
why_missing() {
    wm_src=$PROC/$1/$2
    WHY=$COPY_FALLBACK
    if [ ! -x "$PROC/$1" ]; then
        WHY=EACCES
    elif [ -L "$wm_src" ]; then
        # A fake tree's link targets lead nowhere: only a real procfs's can be followed.
        if [ "$NS_FOLLOW" = 1 ] && [ ! -e "$wm_src" ]; then
            WHY=EACCES
            stat_field "$PROC/$1/stat" 3 && case $FIELD_OUT in Z | X) WHY=ENOENT ;; esac
        fi
    elif [ ! -e "$wm_src" ]; then
        WHY=ENOENT
    elif [ ! -r "$wm_src" ]; then
        WHY=EACCES
    elif [ ! -f "$wm_src" ]; then
        WHY=other
    elif ! { :; } 2>/dev/null <"$wm_src"; then
        WHY=EACCES
    fi
}

# Checks what each PID folder got, with builtin tests only, and says why anything is
# missing: the process is gone (vanished), or why_missing.
classify_copy() {
    DENIED_N=0 ERRORS_N=0 VANISHED_N=0 PROC_N=0 COPY_FALLBACK=other NS_FOLLOW=0
    [ "$COPY_TIMED_OUT" = 0 ] || COPY_FALLBACK=timeout
    [ -n "$SELF_PID" ] && [ -e "$PROC/$SELF_PID/ns/pid" ] && NS_FOLLOW=1
    # The links every process has: those of our own (an older kernel lacks some types).
    cc_kernel_ns=
    for cc_t in $NS_LINKS; do
        [ -z "$SELF_PID" ] || [ -L "$PROC/$SELF_PID/ns/$cc_t" ] && cc_kernel_ns="$cc_kernel_ns $cc_t"
    done
    while IFS= read -r cc_p; do
        cc_dir=$STAGE_PROC/$cc_p
        cc_missing=
        for cc_f in $PID_FILES; do
            [ ! -s "$cc_dir/$cc_f" ] || continue
            if [ -e "$cc_dir/$cc_f" ]; then
                # Empty. The kernel writes no empty file here but a cmdline (kernel
                # threads, zombies); any other was cut short, unless the source is empty.
                if [ "$cc_f" = cmdline ] || ! read_first_line "$PROC/$cc_p/$cc_f"; then continue; fi
                rm -f "$cc_dir/$cc_f"
            fi
            cc_missing="$cc_missing $cc_f"
        done
        if [ -d "$cc_dir/ns" ] || { [ -r "$PROC/$cc_p/ns" ] && [ -x "$PROC/$cc_p/ns" ]; }; then
            for cc_t in $cc_kernel_ns; do
                [ -L "$cc_dir/ns/$cc_t" ] || cc_missing="$cc_missing ns/$cc_t"
            done
        else
            cc_missing="$cc_missing ns"
        fi
        if [ -e "$cc_dir/status" ]; then
            PROC_N=$((PROC_N + 1))
            printf '%s/status\n' "$cc_p" >&7
        fi
        [ -n "$cc_missing" ] || continue
        if gone "$cc_p"; then
            VANISHED_N=$((VANISHED_N + 1))
            [ "$VANISHED_N" -eq 1 ] || printf ', ' >&6
            printf '%s' "$cc_p" >&6
            [ -e "$cc_dir/status" ] || printf '%s\n' "$cc_p/ns" "$cc_p" >&3
            continue
        fi
        for cc_f in $cc_missing; do
            if [ "$cc_f" = ns ]; then
                # The folder cannot be listed: each link's read is refused.
                for cc_t in $NS_LINKS; do note_failure "$cc_p" "ns/$cc_t" EACCES; done
            else
                why_missing "$cc_p" "$cc_f"
                note_failure "$cc_p" "$cc_f" "$WHY"
            fi
        done
    done <"$WORK/pids.list" 3>"$WORK/empty.list" 4>"$WORK/denied.json" 5>"$WORK/errors.json" \
        6>"$WORK/vanished.json" 7>"$WORK/status.list" 2>/dev/null
    check_room
    # Folders made for processes that were gone before anything was read.
    [ ! -s "$WORK/empty.list" ] || (cd "$STAGE_PROC" && exec xargs rmdir <"$WORK/empty.list") >/dev/null 2>&1
    :
}

# --- the rest of the snapshot ---------------------------------------------------------

# The namespace inits (last NSpid entry is 1), found by one grep over the staged
# statuses, and we ourselves: their os-release and wsl.conf, read inside their root.
copy_etc_files() {
    VIEW_WSL_CONF=false
    ce_pids=
    if [ -s "$WORK/status.list" ]; then
        (cd "$STAGE_PROC" && exec xargs grep -lE '^NSpid:.*[[:space:]]1[[:space:]]*$' \
            <"$WORK/status.list") >"$WORK/inits.list" 2>/dev/null
        while IFS= read -r ce_line; do
            is_pid "${ce_line%%/*}" && ce_pids="$ce_pids ${ce_line%%/*}"
        done <"$WORK/inits.list"
    fi
    ce_seen=' '
    for ce_p in $ce_pids $SELF_PID; do
        case $ce_seen in *" $ce_p "*) continue ;; esac
        ce_seen="$ce_seen$ce_p "
        ce_made=0
        root_of "$ce_p" || continue
        for ce_f in os-release wsl.conf; do
            resolve_in_root "$ROOT_OUT" "etc/$ce_f" || continue
            if [ "$ce_made" = 0 ]; then
                mkdir -p "$STAGE_PROC/$ce_p/root/etc" 2>/dev/null || break
                ce_made=1
            fi
            if copy_capped "$RESOLVED" "$STAGE_PROC/$ce_p/root/etc/$ce_f" "$MAX_ETC_BYTES" &&
                [ "$ce_p" = "$SELF_PID" ] && [ "$ce_f" = wsl.conf ]; then
                VIEW_WSL_CONF=true
            fi
        done
    done
    if [ -n "$SELF_PID" ]; then
        ln -s "$SELF_PID" "$STAGE_PROC/self" 2>/dev/null || die "cannot write to the staging folder '$WORK'"
    fi
    WSLCONFIG_GIVEN=false WSLCONFIG_CAPTURED=false
    [ -n "$OPT_WSLCONFIG" ] || return 0
    WSLCONFIG_GIVEN=true
    if [ -f "$OPT_WSLCONFIG" ] && [ ! -p "$OPT_WSLCONFIG" ] && [ -r "$OPT_WSLCONFIG" ] &&
        copy_capped "$OPT_WSLCONFIG" "$TOP/wslconfig" "$MAX_WSLCONFIG_BYTES"; then
        WSLCONFIG_CAPTURED=true
    else
        say "warning: cannot read --wslconfig '$OPT_WSLCONFIG'; the snapshot says so"
    fi
}

# lsns is the kernel's own answer for a PID namespace's parent (PNS, via NS_GET_PARENT).
# Only the columns the analyzer reads (snapshot/lsns.ts) are asked for; PNS, ONS and
# --list are feature-detected (2.40 prints a tree unless told --list). It runs in the
# background while cp copies (it is CPU-bound, cp waits on the disk).
start_lsns() {
    LSNS_JSON='{"ran": false, "reason": "lsns not found"}'
    if [ "$LIVE" = 0 ]; then
        LSNS_JSON='{"ran": false, "reason": "--proc given: lsns reads only the live system"}'
        return 0
    fi
    command -v lsns >/dev/null 2>&1 || return 0
    rl_help=$(tmo "$FILE_TIMEOUT" lsns --help 2>&1) || :
    rl_cols=$rl_help
    case $rl_help in
        *PNS*) ;;
        *--list-columns*) rl_cols=$(tmo "$FILE_TIMEOUT" lsns --list-columns 2>&1) || : ;;
    esac
    rl_out=NS,TYPE,NPROCS,PID
    for rl_c in PNS ONS; do
        case $rl_cols in *"$rl_c "*) rl_out=$rl_out,$rl_c ;; esac
    done
    set -- lsns -J
    case $rl_help in *'-l, --list'*) set -- "$@" --list ;; esac
    set -- "$@" --output "$rl_out"
    rl_command=$*
    rl_version=$(tmo "$FILE_TIMEOUT" lsns --version 2>/dev/null) || :
    rl_version=${rl_version%%"$NL"*}
    spawn / /dev/null "$TOP/lsns.json" "$WORK/lsns.err" "$LSNS_TIMEOUT" "$@"
    LSNS_PID=$BG_PID
}

finish_lsns() {
    [ -n "$LSNS_PID" ] || return 0
    wait_job LSNS_PID
    rl_file=null
    if [ "$JOB_RC" -eq 0 ] && [ -s "$TOP/lsns.json" ]; then rl_file='"lsns.json"'; else rm -f "$TOP/lsns.json"; fi
    json_string "$rl_command"
    LSNS_JSON="{\"ran\": true, \"command\": $JSON_OUT"
    if [ -n "$rl_version" ]; then
        json_string "$rl_version" 256
        LSNS_JSON="$LSNS_JSON, \"version\": $JSON_OUT"
    fi
    LSNS_JSON="$LSNS_JSON, \"exit_code\": $JOB_RC, \"file\": $rl_file}"
}

# Distinct namespace link targets captured: one pipeline whatever the process count,
# started as soon as the copy is done (it reads only the staged links). GNU find prints
# link targets itself; elsewhere one `ls -l` of every ns folder (the shell's glob names
# them). awk counts the distinct targets, no sort.
start_count_namespaces() {
    # shellcheck disable=SC2016 # an awk program
    set -- '{ if (!($0 in seen)) { seen[$0] = 1; n++ } } END { print n + 0 }'
    # shellcheck disable=SC2016 # $0 belongs to the sh -c
    if [ "$FIND_PRINTF" = 1 ]; then
        set -- sh -c 'find . -path "./[0-9]*/ns/*" -type l -printf "%l\n" 2>/dev/null | awk "$0"' "$1"
    else
        set -- sh -c 'printf "%s\n" [0-9]*/ns | xargs ls -l 2>/dev/null | sed -n "s/.* -> //p" | awk "$0"' "$1"
    fi
    spawn "$STAGE_PROC" /dev/null "$WORK/nscount" /dev/null 0 "$@"
    COUNT_PID=$BG_PID
}

finish_count_namespaces() {
    NS_COUNT=0
    [ -n "$COUNT_PID" ] || return 0
    wait_job COUNT_PID
    read_first_line "$WORK/nscount"
    # shellcheck disable=SC2086 # word splitting drops the tabs and spaces
    set -- $LINE_OUT
    is_uint "${1-}" && NS_COUNT=$1
    :
}

# --- manifest -------------------------------------------------------------------------

# centiseconds VALUE: CS_OUT is "5123.45" as 512345; fails when VALUE is not a number.
centiseconds() {
    CS_OUT=
    case $1 in '' | *[!0-9.]* | .* | *.*.*) return 1 ;; esac
    cs_int=${1%%.*} cs_frac=00
    case $1 in *.*) cs_frac=${1#*.}00 ;; esac
    cs_frac=${cs_frac%"${cs_frac#??}"}
    cs_int=${cs_int#"${cs_int%%[!0]*}"}
    cs_frac=${cs_frac#0}
    CS_OUT=$((${cs_int:-0} * 100 + ${cs_frac:-0}))
}

# seconds_text N: CS_TEXT is N centiseconds as seconds, a JSON number with two decimals.
seconds_text() {
    cs_c=$(($1 % 100))
    [ "$cs_c" -ge 10 ] || cs_c=0$cs_c
    CS_TEXT=$(($1 / 100)).$cs_c
}

# SECONDS_TEXT: the capture's duration, by the view's uptime when live, else by the clock.
capture_seconds() {
    if [ "$LIVE" = 1 ] && centiseconds "$UPTIME_START" && cs_start=$CS_OUT &&
        read_first_line "$PROC/uptime" && centiseconds "${LINE_OUT%% *}"; then
        cs_d=$((CS_OUT - cs_start))
    else
        cs_d=$(((END_EPOCH - START_EPOCH) * 100))
    fi
    [ "$cs_d" -ge 0 ] || cs_d=0
    seconds_text "$cs_d"
    SECONDS_TEXT=$CS_TEXT
}

write_manifest() {
    # The env allow-list: these values only, and WSL_INTEROP's presence, never its value.
    wm_env=
    for wm_name in WSL_DISTRO_NAME WSL2_GUI_APPS_ENABLED WSLENV DISPLAY WAYLAND_DISPLAY PULSE_SERVER; do
        eval "[ \"\${$wm_name+set}\" = set ] && json_string \"\${$wm_name}\"" || continue
        wm_env="$wm_env\"$wm_name\": $JSON_OUT, "
    done
    wm_interop=false
    [ "${WSL_INTEROP+set}" != set ] || wm_interop=true
    # Lengths are the schema's maxLength for each field.
    json_string "$LABEL" 256 && wm_label=$JSON_OUT
    json_string "$PROC" 4096 && wm_proc=$JSON_OUT
    json_or_null str "$VIEW_BOOT_ID" 64 && wm_boot=$JSON_OUT
    json_or_null str "$VIEW_HOSTNAME" 256 && wm_host=$JSON_OUT
    json_or_null str "$VIEW_KREL" 256 && wm_krel=$JSON_OUT
    json_or_null str "$VIEW_KVER" 1024 && wm_kver=$JSON_OUT
    json_or_null id "$VIEW_UID" && wm_uid=$JSON_OUT
    json_or_null id "$VIEW_EUID" && wm_euid=$JSON_OUT
    json_or_null cap "$VIEW_CAP_EFF" && wm_ceff=$JSON_OUT
    json_or_null cap "$VIEW_CAP_PRM" && wm_cprm=$JSON_OUT
    json_or_null cap "$VIEW_CAP_BND" && wm_cbnd=$JSON_OUT
    wm_hidepid=null
    [ -z "$VIEW_HIDEPID" ] || wm_hidepid=\"$VIEW_HIDEPID\"
    wm_up=null
    centiseconds "$UPTIME_START" && seconds_text "$CS_OUT" && wm_up=$CS_TEXT
    wm_live=false wm_cmd=false wm_distro=
    [ "$LIVE" = 0 ] || wm_live=true
    [ "$OPT_CMDLINE" = 0 ] || wm_cmd=true
    if [ -n "$DISTRO" ]; then
        json_string "$DISTRO" 256
        wm_dn=$JSON_OUT
        json_string "$DISTRO_FROM" 256
        wm_distro=", \"distro\": {\"name\": $wm_dn, \"from\": $JSON_OUT, \"cut\": $DISTRO_CUT}"
    fi
    {
        printf '{\n  "format": "nsnap-snapshot",\n  "format_version": 1,\n'
        printf '  "collector": {"name": "%s", "version": "%s", "shell": "%s", "copy_mode": "%s", "cmdline": %s},\n' \
            "$NSNAP_NAME" "$NSNAP_VERSION" "$SHELL_NAME" "$COPY_MODE" "$wm_cmd"
        printf '  "label": %s,\n' "$wm_label"
        printf '  "capture": {"start": "%s", "end": "%s", "seconds": %s},\n' "$START_ISO" "$END_ISO" "$SECONDS_TEXT"
        printf '  "source": {"proc": %s, "live": %s},\n' "$wm_proc" "$wm_live"
        printf '  "view": {\n    "self_pid": %s,\n    "boot_id": %s,\n    "hostname": %s,\n' "${SELF_PID:-null}" "$wm_boot" "$wm_host"
        printf '    "kernel": {"release": %s, "version": %s},\n' "$wm_krel" "$wm_kver"
        printf '    "uptime_seconds": %s,\n    "procfs_mounts": [%s],\n' "$wm_up" "$MOUNT_LINES"
        printf '    "hidepid": %s,\n    "uid": %s, "euid": %s,\n' "$wm_hidepid" "$wm_uid" "$wm_euid"
        printf '    "cap_eff": %s, "cap_prm": %s, "cap_bnd": %s\n  },\n' "$wm_ceff" "$wm_cprm" "$wm_cbnd"
        printf '  "env": {%s"WSL_INTEROP_set": %s},\n' "$wm_env" "$wm_interop"
        printf '  "wsl": {"wsl_conf": %s, "wslconfig": {"given": %s, "captured": %s}%s},\n' \
            "$VIEW_WSL_CONF" "$WSLCONFIG_GIVEN" "$WSLCONFIG_CAPTURED" "$wm_distro"
        printf '  "lsns": %s,\n' "$LSNS_JSON"
        printf '  "counts": {"processes": %s, "namespaces": %s, "denied": %s, "vanished": %s, "errors": %s},\n' \
            "$PROC_N" "$NS_COUNT" "$DENIED_N" "$VANISHED_N" "$ERRORS_N"
        # The lists stop at MAX_LIST_ENTRIES (the manifest stays under 16 MiB); the
        # counts above are complete.
        if [ "$DENIED_N" -gt "$MAX_LIST_ENTRIES" ] || [ "$ERRORS_N" -gt "$MAX_LIST_ENTRIES" ]; then
            printf '  "lists_truncated": true,\n'
        fi
        printf '  "denied": ['
        cat "$WORK/denied.json"
        [ "$DENIED_N" -eq 0 ] || printf '\n  '
        printf '],\n  "vanished": ['
        cat "$WORK/vanished.json"
        printf '],\n  "errors": ['
        cat "$WORK/errors.json"
        [ "$ERRORS_N" -eq 0 ] || printf '\n  '
        printf ']\n}\n'
    } >"$TOP/nsnap.json" || die "cannot write the manifest to the staging folder '$WORK'"
}

# --- the archive ----------------------------------------------------------------------

write_archive() {
    wa_dest=$TMP_OUT
    [ "$TO_STDOUT" = 0 ] || wa_dest=$WORK/stream.tar.gz
    # GNU tar can sort entries and write plain ustar with numeric owners: a reproducible,
    # portable archive. Busybox tar writes ustar anyway.
    set -- tar --sort=name --format=ustar --owner=0 --group=0 --numeric-owner
    "$@" -cf /dev/null -C "$WORK" probe >/dev/null 2>&1 || set -- tar
    # tar writes into a FIFO that gzip, started here too, compresses: both run at once,
    # as with tar -z, but a signal's trap can stop both (tar -z would leave its gzip
    # running a moment after the collector exits).
    if mkfifo "$WORK/tar.fifo" 2>/dev/null; then
        spawn / /dev/null "$WORK/tar.fifo" "$WORK/tar.err" 0 "$@" -cf - -C "$WORK" "$TOPNAME"
        TAR_PID=$BG_PID
        run_job / "$WORK/tar.fifo" "$wa_dest" "$WORK/gzip.err" 0 gzip -c
        wa_gz=$JOB_RC
        wait_job TAR_PID
        if [ "$wa_gz" -ne 0 ]; then
            cat "$WORK/gzip.err" >>"$WORK/tar.err" 2>/dev/null
            [ "$JOB_RC" -ne 0 ] || JOB_RC=$wa_gz
        fi
    else
        run_job / /dev/null /dev/null "$WORK/tar.err" 0 "$@" -czf "$wa_dest" -C "$WORK" "$TOPNAME"
    fi
    if [ "$JOB_RC" -ne 0 ]; then
        # tar's last words are "Error is not recoverable"; the cause comes first.
        wa_msg=
        while IFS= read -r wa_line; do
            case $wa_line in
                '') continue ;;
                *'No space left'* | *'Disk quota'* | *'Read-only'* | *'Permission denied'* | *'Input/output'*)
                    wa_msg=$wa_line
                    break
                    ;;
            esac
            [ -n "$wa_msg" ] || wa_msg=$wa_line
        done <"$WORK/tar.err"
        [ "$TO_STDOUT" = 0 ] || die "cannot build the tarball in '$WORK' (${wa_msg:-tar failed}); nothing was written"
        die "cannot write the snapshot to '$OUT_DIR' (${wa_msg:-tar failed}); nothing was written"
    fi
    if [ "$TO_STDOUT" = 1 ]; then
        cat "$wa_dest" || die "cannot write the snapshot to stdout"
        return 0
    fi
    # The rename makes the file appear whole or not at all. A signal during mv is handled
    # after it: RENAMING tells the trap to remove the renamed file. After it, the run is done.
    RENAMING=1
    mv -f "$TMP_OUT" "$OUT_ABS" 2>/dev/null || die "cannot rename the finished snapshot to '$OUT'"
    trap '' INT TERM HUP
    TMP_OUT=
    RENAMING=0
    # Under sudo the file goes to the user who ran sudo (SUDO_UID, also when the
    # environment was kept), or to --chown's owner: root's 0600 file would refuse the very
    # user who is to attach it.
    wa_owner=$OPT_CHOWN
    if [ -z "$wa_owner" ] && [ "$(id -u 2>/dev/null)" = 0 ] && is_uint "${SUDO_UID-}" && is_uint "${SUDO_GID-}"; then
        wa_owner=$SUDO_UID:$SUDO_GID
    fi
    [ -z "$wa_owner" ] || chown "$wa_owner" "$OUT_ABS" 2>/dev/null ||
        err "warning: cannot give '$OUT_ABS' to $wa_owner (chown failed); run 'sudo chown $wa_owner $OUT_ABS'"
}

report() {
    if [ "$TO_STDOUT" = 1 ]; then say "wrote the snapshot to stdout ($TOPNAME)"; else say "wrote $OUT"; fi
    [ -z "$DISTRO" ] || say "distro $DISTRO (from $DISTRO_FROM)"
    say "$PROC_N processes, $NS_COUNT namespaces, $DENIED_N denied, $VANISHED_N vanished, $SECONDS_TEXT s"
    [ "$ERRORS_N" -eq 0 ] || say "$ERRORS_N other failed reads are listed in nsnap.json"
    # Denials are expected without root; say once what they cost and how to avoid them.
    if [ "$DENIED_N" -gt 0 ] && [ "${VIEW_EUID:-0}" != 0 ]; then
        say "not root: other users' namespace links were denied (expected); every PID is still there, run as root for the full view"
    fi
}

main() {
    parse_args "$@"
    setup_env
    now
    START_STAMP=$NOW_STAMP START_ISO=$NOW_ISO START_EPOCH=$NOW_EPOCH
    read_view
    detect_shell
    choose_label
    plan_output
    make_staging
    detect_tools
    plan_copy
    check_room
    start_lsns
    copy_processes
    check_room
    start_count_namespaces
    classify_copy
    copy_etc_files
    finish_lsns
    finish_count_namespaces
    now
    END_ISO=$NOW_ISO END_EPOCH=$NOW_EPOCH
    capture_seconds
    write_manifest
    write_archive
    report
}

main "$@"
