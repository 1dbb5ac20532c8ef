#!/bin/sh
# Drag with the mouse from one screen point to another on $DISPLAY, with xdotool,
# the way that makes a GTK drag (drag_source.py) reach a GTK/WebKitGTK drop target.
usage() {
    cat <<'EOF'
usage: drag.sh FROM_X FROM_Y TO_X TO_Y [--steps N] [--step-delay S] [--hold S] [--settle S]

Presses button 1 at (FROM_X, FROM_Y), moves in N steps (default 12) to
(TO_X, TO_Y) with S seconds between steps (default 0.05), waits --settle seconds
on the target (default 0.3) and releases the button.
--hold: pause after the press before the first move (default 0.2).
Needs DISPLAY and xdotool. Exits non-zero if xdotool fails.
Typical use: FROM = the `ready X Y` point printed by drag_source.py,
TO = a point inside the (mapped, uncovered) target window.
EOF
}

case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac
[ $# -ge 4 ] || { usage >&2; exit 2; }
FX=$1 FY=$2 TX=$3 TY=$4
shift 4
STEPS=12 DELAY=0.05 HOLD=0.2 SETTLE=0.3
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) STEPS=$2; shift 2 ;;
        --step-delay) DELAY=$2; shift 2 ;;
        --hold) HOLD=$2; shift 2 ;;
        --settle) SETTLE=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "drag.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for v in "$FX" "$FY" "$TX" "$TY" "$STEPS"; do
    case "$v" in ''|*[!0-9-]*) echo "drag.sh: not an integer: $v" >&2; exit 2 ;; esac
done
[ -n "${DISPLAY:-}" ] || { echo "drag.sh: DISPLAY is not set" >&2; exit 2; }
command -v xdotool >/dev/null || { echo "drag.sh: xdotool is not installed" >&2; exit 2; }

release() { xdotool mouseup 1 2>/dev/null; }
set -e
xdotool mousemove "$FX" "$FY"
sleep 0.1
xdotool mousedown 1
trap release EXIT
sleep "$HOLD"
i=1
while [ "$i" -le "$STEPS" ]; do
    x=$((FX + (TX - FX) * i / STEPS))
    y=$((FY + (TY - FY) * i / STEPS))
    xdotool mousemove "$x" "$y"
    sleep "$DELAY"
    i=$((i + 1))
done
# A last small wiggle on the target, so it gets a motion event after the drag
# has entered it, then let the target answer before the drop.
xdotool mousemove "$((TX + 1))" "$TY"
sleep "$DELAY"
xdotool mousemove "$TX" "$TY"
sleep "$SETTLE"
trap - EXIT
xdotool mouseup 1
echo "dropped $TX $TY"
