#!/bin/sh
# nsnap-collect.sh: one view of /proc into one snapshot tarball (docs/format.md), under
# any POSIX sh with GNU coreutils or busybox alone. With GNU cp the programs it starts do
# not grow with the process count (one `xargs cp --parents`, then builtins per PID);
# busybox cp lacks --parents: there a script runs one cp per process. It never reads
# another process's environ. `main "$@"` is the last line: a truncated file runs nothing.

set -u

NSNAP_NAME=nsnap-collect.sh
NSNAP_VERSION=0.1.0
# A process's namespace links (docs/format.md): the one list every loop here uses.
NS_LINKS='cgroup ipc mnt net pid pid_for_children time time_for_children user uts'
# Timeouts (a read of /proc blocks on a process in D state). The copy gets COPY_TIMEOUT s
# plus 40 ms per process, or 200 ms where each costs a cp (busybox: 40-50 ms measured).
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
# From this many PID folders on, the GNU path copies with two cp at once when it stages
# on a disk (there they overlap their waits; on tmpfs one cp beside lsns is faster).
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
die() { err "$*"; exit 1; }
usage_error() {
    err "$1"
    printf "hint: try 'sh %s --help'\n" "$NSNAP_NAME" >&2
    exit 2
}

# --wsl and --into-bundle belong to nsnap-wsl.sh; this file stays copyable alone.
run_orchestrator() {
    ro_dir=${0%/*}
    [ "$ro_dir" != "$0" ] || ro_dir=.
    [ -f "$ro_dir/nsnap-wsl.sh" ] || { err "$1 needs nsnap-wsl.sh beside this script ($ro_dir); copy the whole collector folder, or run 'sh nsnap-wsl.sh' from it"; exit 2; }
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
        pa_opt=$1 pa_var=''
        case $1 in --*=*) pa_opt=${1%%=*} ;; esac
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
            -h | --help) usage; exit 0 ;;
            --no-cmdline) OPT_CMDLINE=0 ;;
            -q | --quiet) OPT_QUIET=1 ;;
        esac
        if [ -n "$pa_var" ] && [ "$pa_opt" = "$1" ]; then
            [ -n "${2-}" ] || usage_error "option '$1' needs a value"
            shift
            eval "$pa_var=\$1" # pa_var is one of the names above
        elif [ -n "$pa_var" ]; then
            [ -n "${1#*=}" ] || usage_error "option '$pa_opt' needs a value"
            eval "$pa_var=\${1#*=}"
        fi
        shift
    done
    [ -z "$OPT_PROC" ] || [ -d "$OPT_PROC" ] || usage_error "--proc '$OPT_PROC' is not a directory"
    if [ -n "$OPT_CHOWN" ] && ! { is_uint "${OPT_CHOWN%%:*}" && is_uint "${OPT_CHOWN#*:}" && [ "${OPT_CHOWN#*:}" != "$OPT_CHOWN" ]; }; then
        usage_error "--chown needs numeric UID:GID, not '$OPT_CHOWN'"
    fi
}

# --- jobs under a timeout -------------------------------------------------------------

# Timeouts are our own: busybox's `timeout` leaves its watchdog to PID 1 (a zombie where
# PID 1 never reaps). `supervise SECS CMD` (a subshell) runs CMD in the background and a
# watchdog subshell (sleep SECS; TERM to CMD; sleep 5; KILL), reaps CMD, stops and reaps
# the watchdog, and exits with CMD's status or 124. A TERM, INT or HUP to either stops
# and reaps what it started first; their traps count signals in SIG_SEEN.

counted_traps() { SIG_SEEN=0 && trap 'SIG_SEEN=$((SIG_SEEN + 1))' TERM INT HUP; }

# reap PID: waits until PID is reaped, stopping it if a signal interrupts; sets REAP_RC.
reap() {
    while :; do
        rp_seen=$SIG_SEEN
        wait "$1" 2>/dev/null # (dash and busybox report a job killed by a signal)
        REAP_RC=$?
        [ "$rp_seen" = "$SIG_SEEN" ] && return 0
        kill_tree "$1"
    done
}

# watchdog PID SECS. A TERM before its trap is set may be lost: see supervise.
watchdog() {
    counted_traps
    kill -0 "$1" 2>/dev/null || exit 0
    wd_sig=TERM
    for wd_secs in "$2" 5; do
        [ "$SIG_SEEN" = 0 ] || break
        sleep "$wd_secs" &
        wd_sleep=$!
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
    exec 3<&0 # an asynchronous command's stdin is /dev/null without job control
    "$@" <&3 3<&- &
    sv_cmd=$!
    exec 3<&-
    (watchdog "$sv_cmd" "$sv_secs") </dev/null >/dev/null 2>&1 &
    sv_wd=$!
    reap "$sv_cmd"
    sv_rc=$REAP_RC
    # KILL to its sleep, read after the TERM (a child not yet exec'd drops a TERM).
    kill "$sv_wd" 2>/dev/null
    children_of "$sv_wd"
    for sv_kid in $KIDS; do is_pid "$sv_kid" && kill -s KILL "$sv_kid" 2>/dev/null; done
    reap "$sv_wd"
    [ "$REAP_RC" = 124 ] && exit 124
    exit "$sv_rc"
}

# spawn DIR IN OUT ERR SECS CMD...: CMD in the background, under a timeout of SECS
# (0: none; none without `sleep`); BG_PID is CMD or its supervisor.
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

# run_job: spawn, then wait_job JOB_PID (a signal's trap kills the job at once).
run_job() {
    spawn "$@"
    JOB_PID=$BG_PID
    wait_job JOB_PID
}

# wait_job VAR: waits for the job whose PID is in VAR, sets JOB_RC, then empties VAR.
wait_job() { eval "wait \"\$$1\""; JOB_RC=$? && eval "$1="; }

# Was the last job stopped by its timeout (124, or killed)?
job_timed_out() { [ -n "$HAVE_SLEEP" ] && { [ "$JOB_RC" -eq 124 ] || [ "$JOB_RC" -gt 128 ]; }; }

# children_of PID: KIDS is PID's children.
children_of() {
    KIDS=
    [ ! -r "/proc/$1/task/$1/children" ] || read -r KIDS 2>/dev/null <"/proc/$1/task/$1/children" || :
}

# kill_tree PID [SIGNAL]: TERM (or SIGNAL) to a job and four levels below it, read before
# any kill (orphans go to init) and deepest first, so that each parent still reaps them.
kill_tree() {
    kt_all=$1 kt_level=$1 kt_depth=0
    while [ -n "$kt_level" ] && [ "$kt_depth" -lt 4 ]; do
        kt_next=
        for kt_p in $kt_level; do
            children_of "$kt_p"
            kt_next="$kt_next $KIDS"
        done
        kt_all="$kt_next $kt_all" kt_level=$kt_next kt_depth=$((kt_depth + 1))
    done
    for kt_p in $kt_all; do is_pid "$kt_p" && kill -s "${2:-TERM}" "$kt_p" 2>/dev/null; done
}

# --- small helpers --------------------------------------------------------------------

is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# A PID: decimal, no leading zero, at most PID_MAX_LIMIT (4194304, 2^22).
is_pid() { case $1 in '' | 0* | *[!0-9]*) return 1 ;; esac && [ ${#1} -le 7 ] && [ "$1" -le 4194304 ]; }

# json_string VALUE [MAX]: JSON_OUT is VALUE as a JSON string, \ and " escaped, control
# characters dropped (docs/format.md), cut to MAX bytes (the schema's maxLength).
json_string() {
    js_s=$1 js_out=''
    [ ${#js_s} -le "${2:-4096}" ] || js_s=$(printf "%.${2:-4096}s" "$js_s")
    while :; do
        case $js_s in
            *[[:cntrl:]]*) js_s=${js_s%%[[:cntrl:]]*}${js_s#*[[:cntrl:]]} ;;
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

# json_or_null KIND VALUE [MAX]: JSON_OUT is VALUE, or null when it is not of KIND: str
# (not empty, as json_string), id (a 32-bit number), cap (16 hex digits, quoted).
json_or_null() {
    JSON_OUT=null
    case $1 in
        str) [ -z "$2" ] || json_string "$2" "${3:-4096}" ;;
        id) is_uint "$2" && [ ${#2} -le 10 ] && [ "$2" -le 4294967295 ] && JSON_OUT=$2 ;;
        cap) case $2 in *[!0-9a-f]*) ;; ????????????????) JSON_OUT=\"$2\" ;; esac ;;
    esac
    :
}

# sanitize VALUE: SAN_OUT is VALUE, [^A-Za-z0-9._-] as '_', cut to MAX_NAME_PART bytes.
sanitize() {
    SAN_OUT=$1
    while :; do
        case $SAN_OUT in
            *[!A-Za-z0-9._-]*) SAN_OUT=${SAN_OUT%%[!A-Za-z0-9._-]*}_${SAN_OUT#*[!A-Za-z0-9._-]} ;;
            *) break ;;
        esac
    done
    while [ ${#SAN_OUT} -gt "$MAX_NAME_PART" ]; do SAN_OUT=${SAN_OUT%?}; done
}

# read_first_line FILE: LINE_OUT is its first line. Only a regular file (a FIFO blocks).
read_first_line() {
    LINE_OUT=
    [ -f "$1" ] || return 1
    IFS= read -r LINE_OUT 2>/dev/null <"$1" || [ -n "$LINE_OUT" ]
}

# abs_path PATH: ABS_OUT is PATH made absolute against the current folder.
abs_path() { case $1 in /*) ABS_OUT=$1 ;; *) ABS_OUT=${PWD:-$(pwd)}/$1 ;; esac; }

# --- setup and cleanup ----------------------------------------------------------------

setup_env() {
    # tar's message on failure is searched for its cause: English, bytewise patterns.
    LC_ALL=C
    export LC_ALL
    umask 077 # the staging folder and the tarball hold command lines
    TMP_OUT='' WORK='' JOB_PID='' TAR_PID='' COUNT_PID='' LSNS_PID='' JOB_RC=0 RENAMING=0
    NL='
'
    HAVE_SLEEP=$(command -v sleep 2>/dev/null) # timeouts need it (coreutils, busybox)
    trap cleanup EXIT
    trap 'on_signal 130' INT
    trap 'on_signal 143' TERM
    trap 'on_signal 129' HUP
}

# Removes all this run made but a finished output file; safe to call twice.
cleanup() {
    # A signal between a job's `&` and the line that names it: only $! knows the job.
    cu_last=
    is_pid "${!-}" && stat_field "/proc/$!/stat" 4 && [ "$FIELD_OUT" = "$$" ] && cu_last=$!
    for cu_pid in $JOB_PID $TAR_PID $COUNT_PID $LSNS_PID $cu_last; do
        kill_tree "$cu_pid"
        wait "$cu_pid" 2>/dev/null
    done
    JOB_PID='' TAR_PID='' COUNT_PID='' LSNS_PID=''
    if [ -n "$TMP_OUT" ]; then
        [ "$RENAMING" != 1 ] || [ -e "$TMP_OUT" ] || rm -f "$OUT_ABS" 2>/dev/null
        rm -f "$TMP_OUT" 2>/dev/null
        TMP_OUT=
    fi
    [ -n "$WORK" ] || return 0
    # Busybox cp keeps /proc's r-x modes; a job killed just now may still write.
    rm -rf "$WORK" 2>/dev/null || { chmod -R u+rwx "$WORK"; rm -rf "$WORK"; } 2>/dev/null ||
        { sleep 1; rm -rf "$WORK"; } 2>/dev/null
    WORK=
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
    PROC=/proc LIVE=1 SELF_PID=''
    if [ -n "$OPT_PROC" ]; then
        abs_path "$OPT_PROC"
        PROC=${ABS_OUT%/} LIVE=0
    fi
    # Our PID as this procfs numbers it (the shell's own read of self/stat). A fake tree
    # has a link; a real procfs given to --proc answers readlink with readlink's PID.
    [ "$LIVE" = 1 ] || [ ! -L "$PROC/self" ] || SELF_PID=$(readlink "$PROC/self" 2>/dev/null)
    if [ "$LIVE" = 1 ] || { [ -n "$SELF_PID" ] && [ ! -d "$PROC/$SELF_PID" ]; }; then
        read_first_line "$PROC/self/stat"
        SELF_PID=${LINE_OUT%% *}
    fi
    is_pid "$SELF_PID" || SELF_PID=
    read_first_line "$PROC/sys/kernel/random/boot_id"; VIEW_BOOT_ID=$LINE_OUT
    read_first_line "$PROC/sys/kernel/hostname"; VIEW_HOSTNAME=$LINE_OUT
    read_first_line "$PROC/sys/kernel/osrelease"; VIEW_KREL=$LINE_OUT
    read_first_line "$PROC/sys/kernel/version"; VIEW_KVER=$LINE_OUT
    read_first_line "$PROC/uptime"; UPTIME_START=${LINE_OUT%% *}
    # uid, euid and capabilities from our own status.
    VIEW_UID='' VIEW_EUID='' VIEW_CAP_EFF='' VIEW_CAP_PRM='' VIEW_CAP_BND=''
    [ ! -f "$PROC/self/status" ] || while IFS= read -r rv_line; do
        # shellcheck disable=SC2086 # split the values on whitespace
        set -- ${rv_line#*:}
        case $rv_line in
            Uid:*) VIEW_UID=${1-} VIEW_EUID=${2-} ;;
            CapEff:*) VIEW_CAP_EFF=${1-} ;;
            CapPrm:*) VIEW_CAP_PRM=${1-} ;;
            CapBnd:*) VIEW_CAP_BND=${1-} ;;
        esac
    done 2>/dev/null <"$PROC/self/status"
    # The procfs mounts this view sees: hidepid= and subset= show up here.
    MOUNT_LINES='' MOUNT_COUNT=0 VIEW_HIDEPID=''
    [ ! -f "$PROC/self/mountinfo" ] || while IFS= read -r rv_line; do
        case $rv_line in *' - proc '*) ;; *) continue ;; esac
        procfs_hidepid "$rv_line"
        [ "$MOUNT_COUNT" -lt "$MAX_MOUNT_LINES" ] || continue
        json_string "$rv_line"
        MOUNT_LINES=$MOUNT_LINES${MOUNT_LINES:+, }$JSON_OUT
        MOUNT_COUNT=$((MOUNT_COUNT + 1))
    done 2>/dev/null <"$PROC/self/mountinfo"
    [ -z "$VIEW_HIDEPID" ] ||
        say "warning: $PROC is mounted with hidepid=$VIEW_HIDEPID: processes of other users may be missing; the snapshot says so (view.hidepid)"
    SELF_ROOT=
    [ -n "$SELF_PID" ] && root_of "$SELF_PID" && SELF_ROOT=$ROOT_OUT
    :
}

# procfs_hidepid MOUNTINFO_LINE: VIEW_HIDEPID is the hidepid= (not 0/off) of the last
# proc mount at $PROC (an escaped mount point never matches; the raw lines are kept).
procfs_hidepid() {
    ph_rest=${1#* * * * }
    [ "${ph_rest%% *}" = "${PROC:-/}" ] || return 0
    ph_opts=${1##* - proc }
    ph_opts=,${ph_opts#* },
    VIEW_HIDEPID=
    ph_val=${ph_opts#*,hidepid=}
    ph_val=${ph_val%%,*}
    case $ph_val in 0 | off | *[!a-z0-9]*) ;; *) VIEW_HIDEPID=$ph_val ;; esac
}

# root_of PID: ROOT_OUT is PID's root; a symlink in a --proc tree would leave the tree.
root_of() { ROOT_OUT=$PROC/$1/root && { [ "$LIVE" = 1 ] || [ ! -L "$ROOT_OUT" ]; }; }

# The shell that runs us, for the manifest: dash and busybox ash are told by our exe.
detect_shell() {
    SHELL_NAME='sh'
    [ -z "${BASH_VERSION-}" ] || SHELL_NAME=bash
    [ "$SHELL_NAME" = sh ] && read_first_line /proc/self/stat || return 0
    ds_exe=$(readlink "/proc/${LINE_OUT%% *}/exe" 2>/dev/null) || return 0
    case ${ds_exe##*/} in
        *busybox*) SHELL_NAME=busybox ;;
        dash*) SHELL_NAME=dash ;;
        bash*) SHELL_NAME=bash ;;
    esac
}

# LABEL, LABEL_SAFE, HOST_SAFE, and DISTRO: sudo drops WSL_DISTRO_NAME, but WSL's init is
# `init(NAME)` (`init-systemd(NAME)`, PID 2); a comm keeps 15 bytes: no ')', DISTRO_CUT.
choose_label() {
    DISTRO=$OPT_DISTRO DISTRO_FROM='option --distro' DISTRO_CUT=false
    [ -n "$DISTRO" ] || DISTRO=${WSL_DISTRO_NAME-} DISTRO_FROM=WSL_DISTRO_NAME
    for cl_pid in 1 2; do
        [ -z "$DISTRO" ] || break
        cl_comm=
        IFS= read -r cl_comm 2>/dev/null <"$PROC/$cl_pid/comm" || continue
        case $cl_comm in 'init('?* | 'init-systemd('?*) ;; *) continue ;; esac
        DISTRO=${cl_comm#*\(} DISTRO_FROM="comm '$cl_comm' of PID $cl_pid"
        case $DISTRO in *\)) DISTRO=${DISTRO%\)} ;; *) DISTRO_CUT=true ;; esac
    done
    [ -n "$DISTRO" ] || DISTRO_FROM='' DISTRO_CUT=false
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

# resolve_in_root ROOT RELPATH: RESOLVED is the regular file RELPATH names in ROOT (a
# /proc/PID/root). By hand: the kernel resolves an absolute link there against OUR root
# (a container's os-release -> /etc/shadow). Links restart at ROOT, '..' stops at ROOT,
# MAX_LINK_HOPS at most; a file swapped after the check is read capped, under a timeout.
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
    RESOLVED=$rr_root/$rr_done
    [ -n "$rr_done" ] && [ -f "$RESOLVED" ] && [ ! -L "$RESOLVED" ] && [ ! -p "$RESOLVED" ]
}

# copy_capped SRC DEST MAXBYTES: under a timeout (FUSE, 9P); no partial DEST on failure.
copy_capped() {
    run_job . /dev/null "$2" /dev/null "$FILE_TIMEOUT" head -c "$3" "$1"
    [ "$JOB_RC" = 0 ] || rm -f "$2"
    [ "$JOB_RC" = 0 ]
}

# --- output and staging ---------------------------------------------------------------

plan_output() {
    TOPNAME=nsnap-$HOST_SAFE-$LABEL_SAFE-$START_STAMP
    TO_STDOUT=0 OUT_DIR=''
    if [ "$OPT_OUT" = - ]; then
        [ ! -t 1 ] || usage_error "refusing to write a tarball to a terminal; redirect stdout or use -o FILE"
        TO_STDOUT=1
        return
    fi
    OUT=${OPT_OUT:-./$TOPNAME.tar.gz}
    case $OUT in */*) OUT_DIR=${OUT%/*} ;; *) OUT_DIR=. ;; esac
    OUT_DIR=${OUT_DIR:-/} OUT_BASE=${OUT##*/}
    abs_path "$OUT"
    OUT_ABS=$ABS_OUT
    abs_path "$OUT_DIR"
    if [ -z "$OUT_BASE" ] || [ -d "$OUT" ]; then die "output '$OUT' is a folder; give a file name"; fi
    # The rename at the end would replace a device or a link such as /dev/stdout.
    if [ -L "$OUT" ] || { [ -e "$OUT" ] && [ ! -f "$OUT" ]; }; then
        die "output '$OUT' exists and is not a regular file; use -o - for stdout"
    fi
    [ -d "$OUT_DIR" ] || die "cannot write '$OUT': folder '$OUT_DIR' does not exist"
    # Prove the target writable now: create (noclobber) the hidden file the tarball goes
    # to, renamed at the end. TMP_OUT names it first, so a signal leaves nothing.
    po_i=0
    while :; do
        TMP_OUT=$ABS_OUT/.$OUT_BASE.$$.$po_i.partial
        (set -C && printf '' >"$TMP_OUT") 2>/dev/null && break
        po_tmp=$TMP_OUT
        TMP_OUT=
        { [ -e "$po_tmp" ] && [ "$po_i" -lt 20 ]; } ||
            die "cannot write to folder '$OUT_DIR' (is it writable? a read-only file system?); nothing was written"
        po_i=$((po_i + 1))
    done
}

# WORK: the top folder and scratch files, ~17 small files per process (5000: 42 s on a
# disk, 3.9 s on tmpfs), so /dev/shm without TMPDIR. mktemp -u names it, mkdir makes it
# (a signal during `mktemp -d` would leave a folder the trap does not know); else a
# fixed name there or (a read-only /tmp) next to the output.
make_staging() {
    ms_base=${TMPDIR:-/tmp}
    [ -n "${TMPDIR:-}" ] || [ ! -d /dev/shm ] || [ ! -w /dev/shm ] || [ -L /dev/shm ] || ms_base=/dev/shm
    WORK=$(mktemp -u "$ms_base/nsnap.XXXXXX" 2>/dev/null) || WORK=
    [ -z "$WORK" ] || mkdir "$WORK" 2>/dev/null || WORK=
    abs_path "${OUT_DIR:-.}"
    for ms_dir in "$ms_base" "$ABS_OUT"; do
        [ -z "$WORK" ] || break
        WORK=$ms_dir/.nsnap-stage.$$.$START_EPOCH
        mkdir "$WORK" 2>/dev/null || WORK=
    done
    [ -n "$WORK" ] || die "cannot create a staging folder in '$ms_base' or '$ABS_OUT'; set TMPDIR to a writable folder"
    abs_path "$WORK"
    WORK=$ABS_OUT TOP=$ABS_OUT/$TOPNAME
    STAGE_PROC=$TOP/proc
    mkdir -p "$STAGE_PROC/sys/kernel/random" "$WORK/probe" 2>/dev/null || die "cannot write to the staging folder '$WORK'"
}

# check_room: 64 KiB still fit (a full folder would lose files without a word).
check_room() {
    printf '%65536s' '' 2>/dev/null >"$WORK/probe/room" ||
        die "the staging folder '$WORK' is full or read-only; set TMPDIR to a folder with room"
    : >"$WORK/probe/room"
}

# Does cp copy /proc-like trees with --parents (tried, not guessed from a version)? Can
# xargs pass 512 KiB at once (thousands of processes in one cp)? Does find -printf?
detect_tools() {
    COPY_MODE=loop XARGS_SIZE='' XARGS_PAR='' FIND_PRINTF=0
    dt_src=$WORK/probe/src
    if mkdir -p "$dt_src/1/ns" "$WORK/probe/dst" 2>/dev/null && printf 'x\n' >"$dt_src/1/f" 2>/dev/null &&
        ln -s 'pid:[1]' "$dt_src/1/ns/pid" 2>/dev/null &&
        (cd "$dt_src" && exec cp -dR --parents --no-preserve=mode -t "$WORK/probe/dst" 1/f 1/ns) >/dev/null 2>&1 &&
        [ -f "$WORK/probe/dst/1/f" ] && [ -L "$WORK/probe/dst/1/ns/pid" ]; then
        COPY_MODE=bulk
    fi
    xargs -s 524288 true </dev/null >/dev/null 2>&1 && XARGS_SIZE=524288
    xargs -P 2 true </dev/null >/dev/null 2>&1 && XARGS_PAR=1
    find "$WORK/probe" -maxdepth 0 -printf '' >/dev/null 2>&1 && FIND_PRINTF=1
    :
}

# --- copying the processes ------------------------------------------------------------

# Lists every PID folder (a builtin glob) into pids.list and writes the copy's input,
# copy.list: for bulk, the relative paths for one `xargs cp --parents`; for loop, a
# small sh script, one cp per process. Then runs it under one timeout.
copy_processes() {
    PID_FILES='status stat comm cgroup'
    [ "$OPT_CMDLINE" = 1 ] && PID_FILES='status stat cmdline comm cgroup'
    PID_COUNT=0
    {
        if [ "$COPY_MODE" = bulk ]; then
            printf '%s\n' uptime sys/kernel/random/boot_id sys/kernel/hostname sys/kernel/osrelease sys/kernel/version
        else
            # shellcheck disable=SC2016 # $1, $2 and $d belong to the generated script
            printf '%s\n' 'cd "$1" || exit 1' 'd=$2' 'cp uptime "$d/"' 'cp sys/kernel/random/boot_id "$d/sys/kernel/random/"' \
                'cp sys/kernel/hostname sys/kernel/osrelease sys/kernel/version "$d/sys/kernel/"'
        fi
        for cp_d in "$PROC"/[0-9]*; do
            cp_p=${cp_d##*/}
            # A --proc tree could link a PID folder into the live /proc; cp would follow.
            is_pid "$cp_p" && [ ! -L "$cp_d" ] || continue
            printf '%s\n' "$cp_p" >&3
            PID_COUNT=$((PID_COUNT + 1))
            cp_line=
            for cp_f in $PID_FILES ns; do cp_line="$cp_line $cp_p/$cp_f"; done
            # shellcheck disable=SC2016,SC2086 # $d is the script's; one path a line
            if [ "$COPY_MODE" = loop ]; then printf 'cp -dR%s "$d/%s/"\n' "$cp_line" "$cp_p"; else printf '%s\n' $cp_line; fi
        done
    } >"$WORK/copy.list" 3>"$WORK/pids.list" 2>/dev/null || die "cannot write to the staging folder '$WORK'"
    [ "$PID_COUNT" -gt 0 ] || die "no process folders in '$PROC' (is procfs mounted?); nothing was written"
    check_room
    start_lsns
    cp_ms=$COPY_MS_PER_PROCESS
    [ "$COPY_MODE" = bulk ] || cp_ms=$LOOP_MS_PER_PROCESS
    cp_secs=$((COPY_TIMEOUT + PID_COUNT * cp_ms / 1000))
    if [ "$COPY_MODE" = bulk ]; then
        cp_par=''
        if [ "$PID_COUNT" -ge "$SPLIT_MIN" ] && [ -n "$XARGS_PAR" ] && [ "$(stat -f -c %T "$WORK" 2>/dev/null)" != tmpfs ]; then
            # shellcheck disable=SC2086 # count the names: half the paths each
            set -- $PID_FILES ns
            cp_par="-P 2 -n $(((PID_COUNT * $# + 6) / 2))"
        fi
        # shellcheck disable=SC2086 # two options or none
        run_job "$PROC" "$WORK/copy.list" /dev/null /dev/null "$cp_secs" \
            xargs ${XARGS_SIZE:+-s "$XARGS_SIZE"} $cp_par cp -dR --parents --no-preserve=mode -t "$STAGE_PROC"
    else
        # Busybox cp has no --parents: one mkdir for every PID folder, then the script.
        (cd "$STAGE_PROC" && exec xargs mkdir -p <"$WORK/pids.list") 2>/dev/null ||
            die "cannot create folders in the staging folder '$WORK'"
        run_job "$PROC" /dev/null /dev/null /dev/null "$cp_secs" sh "$WORK/copy.list" "$PROC" "$STAGE_PROC"
        # Busybox cp copies /proc's folder modes (r-x): make the tree ours again.
        chmod -R u+rwX "$TOP" 2>/dev/null
    fi
    COPY_FALLBACK=other
    job_timed_out && COPY_FALLBACK=timeout
    # A --proc tree may hold FIFOs, devices or links where /proc has files: cp -R made them
    # without opening them; drop them (GNU find also checks ns targets: `type:[inode]`).
    if [ "$LIVE" = 1 ]; then
        :
    elif [ "$FIND_PRINTF" = 1 ]; then
        (cd "$STAGE_PROC" && exec find . \( \( -type l \( ! -path './[0-9]*/ns/*' \
            -o ! -lname '*:\[[0-9]*\]' -o -lname '*/*' \) \) \
            -o \( ! -type d ! -type f ! -type l \) \) -exec rm -f {} +) >/dev/null 2>&1
    else
        (cd "$STAGE_PROC" && exec find . \( \( -type l ! -path './[0-9]*/ns/*' \) \
            -o \( ! -type d ! -type f ! -type l \) \) -exec rm -f {} +) >/dev/null 2>&1
    fi
    check_room
}

# --- what the copy missed, and why ----------------------------------------------------

# cp's messages are not read (wording varies): failures are judged by what we can see.

# note_failure PID FILE CODE: one failed read into denied (EACCES, fd 4) or errors (fd 5).
note_failure() {
    if [ "$3" = EACCES ]; then
        DENIED_N=$((DENIED_N + 1))
        set -- "$@" "$DENIED_N" 4
    else
        ERRORS_N=$((ERRORS_N + 1))
        set -- "$@" "$ERRORS_N" 5
    fi
    [ "$4" -le "$MAX_LIST_ENTRIES" ] || return 0
    [ "$4" -eq 1 ] || printf ',' >&"$5"
    printf '\n    {"path": "proc/%s/%s", "error": "%s"}' "$1" "$2" "$3" >&"$5"
}

# stat_field STAT N: FIELD_OUT is field N (>= 3) of a stat file, split after the last ')'.
stat_field() {
    FIELD_OUT=
    read_first_line "$1" || return 1
    # shellcheck disable=SC2086 # split the fields after the comm
    set -- "$2" ${LINE_OUT##*) }
    [ $# -ge $(($1 - 1)) ] || return 1
    shift $(($1 - 2))
    FIELD_OUT=$1
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

# Checks each PID folder with builtins only: what is missing is vanished or why_missing.
classify_copy() {
    DENIED_N=0 ERRORS_N=0 VANISHED_N=0 PROC_N=0 NS_FOLLOW=0 cc_kernel_ns=''
    [ -n "$SELF_PID" ] && [ -e "$PROC/$SELF_PID/ns/pid" ] && NS_FOLLOW=1
    # The links every process has: those of our own (an older kernel lacks some types).
    for cc_t in $NS_LINKS; do
        [ -z "$SELF_PID" ] || [ -L "$PROC/$SELF_PID/ns/$cc_t" ] && cc_kernel_ns="$cc_kernel_ns $cc_t"
    done
    while IFS= read -r cc_p; do
        cc_dir=$STAGE_PROC/$cc_p cc_missing=''
        for cc_f in $PID_FILES; do
            [ ! -s "$cc_dir/$cc_f" ] || continue
            if [ -e "$cc_dir/$cc_f" ]; then
                # Empty: cut short, unless a cmdline (kernel threads) or the source is empty.
                if [ "$cc_f" = cmdline ] || ! read_first_line "$PROC/$cc_p/$cc_f"; then continue; fi
                rm -f "$cc_dir/$cc_f"
            fi
            cc_missing="$cc_missing $cc_f"
        done
        if [ -d "$cc_dir/ns" ] || { [ -r "$PROC/$cc_p/ns" ] && [ -x "$PROC/$cc_p/ns" ]; }; then
            for cc_t in $cc_kernel_ns; do [ -L "$cc_dir/ns/$cc_t" ] || cc_missing="$cc_missing ns/$cc_t"; done
        else
            cc_missing="$cc_missing ns"
        fi
        if [ -e "$cc_dir/status" ]; then
            PROC_N=$((PROC_N + 1))
            printf '%s/status\n' "$cc_p" >&7
        fi
        [ -n "$cc_missing" ] || continue
        # Vanished: gone, or reused (its start time, stat field 22, is not the staged one).
        if [ ! -d "$PROC/$cc_p" ] || { stat_field "$cc_dir/stat" 22 && cc_start=$FIELD_OUT &&
            stat_field "$PROC/$cc_p/stat" 22 && [ "$FIELD_OUT" != "$cc_start" ]; }; then
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

# os-release and wsl.conf of each namespace init (one grep: last NSpid is 1) and ours.
copy_etc_files() {
    VIEW_WSL_CONF=false ce_pids='' ce_seen=' '
    if [ -s "$WORK/status.list" ]; then
        (cd "$STAGE_PROC" && exec xargs grep -lE '^NSpid:.*[[:space:]]1[[:space:]]*$' \
            <"$WORK/status.list") >"$WORK/inits.list" 2>/dev/null
        while IFS= read -r ce_line; do
            is_pid "${ce_line%%/*}" && ce_pids="$ce_pids ${ce_line%%/*}"
        done <"$WORK/inits.list"
    fi
    for ce_p in $ce_pids $SELF_PID; do
        case $ce_seen in *" $ce_p "*) continue ;; esac
        ce_seen="$ce_seen$ce_p "
        root_of "$ce_p" || continue
        for ce_f in os-release wsl.conf; do
            resolve_in_root "$ROOT_OUT" "etc/$ce_f" || continue
            [ -d "$STAGE_PROC/$ce_p/root/etc" ] || mkdir -p "$STAGE_PROC/$ce_p/root/etc" 2>/dev/null || break
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

# lsns: the kernel's own PID namespace parents (PNS), beside the copy. Only the columns
# snapshot/lsns.ts reads; PNS, ONS and --list (2.40 prints a tree) are feature-detected.
start_lsns() {
    LSNS_JSON='{"ran": false, "reason": "lsns not found"}'
    if [ "$LIVE" = 0 ]; then
        LSNS_JSON='{"ran": false, "reason": "--proc given: lsns reads only the live system"}'
        return 0
    fi
    command -v lsns >/dev/null 2>&1 || return 0
    rl_help=$(lsns --help 2>&1) || :
    rl_cols=$rl_help rl_out=NS,TYPE,NPROCS,PID
    case $rl_help in *PNS*) ;; *--list-columns*) rl_cols=$(lsns --list-columns 2>&1) || : ;; esac
    for rl_c in PNS ONS; do
        case $rl_cols in *"$rl_c "*) rl_out=$rl_out,$rl_c ;; esac
    done
    set -- lsns -J
    case $rl_help in *'-l, --list'*) set -- "$@" --list ;; esac
    set -- "$@" --output "$rl_out"
    rl_command=$*
    rl_version=$(lsns --version 2>/dev/null) || :
    rl_version=${rl_version%%"$NL"*}
    spawn / /dev/null "$TOP/lsns.json" "$WORK/lsns.err" "$LSNS_TIMEOUT" "$@"
    LSNS_PID=$BG_PID
}

# finish_jobs: collects lsns and the namespace count.
finish_jobs() {
    NS_COUNT=0
    if [ -n "$COUNT_PID" ]; then
        wait_job COUNT_PID
        read_first_line "$WORK/nscount"
        # shellcheck disable=SC2086 # word splitting drops the tabs and spaces
        set -- $LINE_OUT
        is_uint "${1-}" && NS_COUNT=$1
    fi
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

# Distinct namespace links staged, beside classify_copy: one pipeline whatever the
# process count (GNU find -printf, else one `ls -l` of every ns folder; awk counts).
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

# --- manifest and archive -------------------------------------------------------------

# centiseconds VALUE: CS_OUT is "5123.45" as 512345; fails when VALUE is not a number.
centiseconds() {
    CS_OUT=
    case $1 in '' | *[!0-9.]* | .* | *.*.*) return 1 ;; esac
    cs_int=${1%%.*} cs_frac=00
    case $1 in *.*) cs_frac=${1#*.}00 ;; esac
    cs_frac=${cs_frac%"${cs_frac#??}"}
    cs_int=${cs_int#"${cs_int%%[!0]*}"}
    CS_OUT=$((${cs_int:-0} * 100 + ${cs_frac#0}))
}

# seconds_text N: CS_TEXT is N centiseconds as seconds, a JSON number with two decimals.
seconds_text() {
    cs_c=$(($1 % 100))
    [ "$cs_c" -ge 10 ] || cs_c=0$cs_c
    CS_TEXT=$(($1 / 100)).$cs_c
}

write_manifest() {
    # The capture's duration: by the view's uptime when live, else by the clock.
    if [ "$LIVE" = 1 ] && centiseconds "$UPTIME_START" && cs_start=$CS_OUT &&
        read_first_line "$PROC/uptime" && centiseconds "${LINE_OUT%% *}"; then
        cs_d=$((CS_OUT - cs_start))
    else
        cs_d=$(((END_EPOCH - START_EPOCH) * 100))
    fi
    [ "$cs_d" -ge 0 ] || cs_d=0
    seconds_text "$cs_d"
    SECONDS_TEXT=$CS_TEXT
    # The env allow-list: these values only, and WSL_INTEROP's presence, never its value.
    wm_env=
    for wm_name in WSL_DISTRO_NAME WSL2_GUI_APPS_ENABLED WSLENV DISPLAY WAYLAND_DISPLAY PULSE_SERVER; do
        eval "[ \"\${$wm_name+set}\" = set ] && json_string \"\${$wm_name}\"" || continue
        wm_env="$wm_env\"$wm_name\": $JSON_OUT, "
    done
    wm_interop=false wm_live=false wm_cmd=false wm_distro='' wm_hidepid=null wm_up=null
    [ "${WSL_INTEROP+set}" != set ] || wm_interop=true
    [ "$LIVE" = 0 ] || wm_live=true
    [ "$OPT_CMDLINE" = 0 ] || wm_cmd=true
    [ -z "$VIEW_HIDEPID" ] || wm_hidepid=\"$VIEW_HIDEPID\"
    centiseconds "$UPTIME_START" && seconds_text "$CS_OUT" && wm_up=$CS_TEXT
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
    if [ -n "$DISTRO" ]; then
        json_string "$DISTRO" 256 && wm_dn=$JSON_OUT
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
        # The lists stop at MAX_LIST_ENTRIES (under 16 MiB); the counts are complete.
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

write_archive() {
    wa_dest=$TMP_OUT
    [ "$TO_STDOUT" = 0 ] || wa_dest=$WORK/stream.tar.gz
    # GNU tar sorted, plain ustar, numeric owners (reproducible); busybox writes ustar.
    set -- tar --sort=name --format=ustar --owner=0 --group=0 --numeric-owner
    "$@" -cf /dev/null -C "$WORK" probe >/dev/null 2>&1 || set -- tar
    # tar | gzip through a FIFO: unlike tar -z's gzip, both are ours for the trap to stop.
    if mkfifo "$WORK/tar.fifo" 2>/dev/null; then
        spawn / /dev/null "$WORK/tar.fifo" "$WORK/tar.err" 0 "$@" -cf - -C "$WORK" "$TOPNAME"
        TAR_PID=$BG_PID
        run_job / "$WORK/tar.fifo" "$wa_dest" "$WORK/gzip.err" 0 gzip -c
        wa_gz=$JOB_RC
        wait_job TAR_PID
        cat "$WORK/gzip.err" >>"$WORK/tar.err" 2>/dev/null
        [ "$JOB_RC" -ne 0 ] || JOB_RC=$wa_gz
    else
        run_job / /dev/null /dev/null "$WORK/tar.err" 0 "$@" -czf "$wa_dest" -C "$WORK" "$TOPNAME"
    fi
    if [ "$JOB_RC" -ne 0 ]; then
        # tar's last words are "Error is not recoverable"; the cause comes first.
        wa_msg=$(grep -m 1 -E 'No space left|Disk quota|Read-only|Permission denied|Input/output' "$WORK/tar.err" ||
            grep -m 1 . "$WORK/tar.err")
        [ "$TO_STDOUT" = 0 ] || die "cannot build the tarball in '$WORK' (${wa_msg:-tar failed}); nothing was written"
        die "cannot write the snapshot to '$OUT_DIR' (${wa_msg:-tar failed}); nothing was written"
    fi
    if [ "$TO_STDOUT" = 1 ]; then
        cat "$wa_dest" || die "cannot write the snapshot to stdout"
        return 0
    fi
    # The rename: whole or nothing; RENAMING tells a trap after mv to remove the file.
    RENAMING=1
    mv -f "$TMP_OUT" "$OUT_ABS" 2>/dev/null || die "cannot rename the finished snapshot to '$OUT'"
    trap '' INT TERM HUP
    TMP_OUT='' RENAMING=0
    # Under sudo the file goes to SUDO_UID (or --chown's owner): root's 0600 file would
    # refuse the very user who is to attach it.
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
    copy_processes # starts lsns beside the copy
    start_count_namespaces
    classify_copy
    copy_etc_files
    finish_jobs
    now
    END_ISO=$NOW_ISO END_EPOCH=$NOW_EPOCH
    write_manifest
    write_archive
    report
}

main "$@"
