#!/bin/sh
# The simulated WSL service: answers wsl.exe requests (one request folder per line on
# the FIFO) by running handle.sh for each, in the background, as the real service runs
# each launch on its own.
set -u
SIM=$1
exec 3<>"$SIM/svc/ctl"
while IFS= read -r req <&3; do
    case $req in
        "$SIM"/svc/rq.*) ;;
        *) continue ;;
    esac
    [ -f "$req/args" ] || continue
    xargs -0 -a "$req/args" sh "$SIM/handle.sh" "$SIM" "$req" </dev/null >/dev/null 2>&1 &
done
