#!/bin/bash
# Checks the desktop test tools of this folder without the app: a private session
# bus, sn_watcher.py + indicator_check.py + tray.py, dunst + notifications.py +
# notify-send, and drag_source.py + drag.sh + drop_target_check.py.
# Usage: src-tauri/tests/desktop/selfcheck.sh   (starts its own Xvfb via xvfb-run
# when DISPLAY is unset). Ends with "N passed, N failed"; exit status 1 on failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in -h|--help) sed -n 2,6p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
if [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/desktop-selfcheck.XXXXXX)
PIDS=()
PASSED=0 FAILED=0
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
ok() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; }
check() { # check NAME COMMAND...
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}
wait_line() { # wait_line FILE REGEX SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "no line matching $2 in $1 within $3 s:"; cat "$1"; return 1
}
json() { $PY -c "import json,sys; d=json.load(sys.stdin); $1"; }

export NO_AT_BRIDGE=1 HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/run XDG_CONFIG_HOME=$WORK/home/.config
mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"

# --- a private session bus, as src-tauri/tests/e2e.rs makes it (no activation) ---
cat > "$WORK/bus.conf" <<EOF
<busconfig><type>session</type><listen>unix:path=$WORK/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
EOF
exec 3< <(exec dbus-daemon --config-file="$WORK/bus.conf" --print-address=1 --nofork --nopidfile 2>/dev/null)
PIDS+=($!)
read -r -t 5 DBUS_SESSION_BUS_ADDRESS <&3 || { echo "dbus-daemon did not start"; exit 1; }
export DBUS_SESSION_BUS_ADDRESS

# --- tray ---
"$HERE/sn_watcher.py" > "$WORK/watcher.out" 2>&1 &
PIDS+=($!)
check "sn_watcher.py prints ready" wait_line "$WORK/watcher.out" '^ready$' 5
mkfifo "$WORK/ind.in"
"$HERE/indicator_check.py" --timeout 60 < "$WORK/ind.in" > "$WORK/ind.out" 2>&1 &
PIDS+=($!)
exec 4> "$WORK/ind.in"   # keep the indicator's stdin open
check "indicator_check.py prints ready" wait_line "$WORK/ind.out" '^ready ' 10
if ITEM=$("$HERE/tray.py" wait --id-prefix tidings-check --timeout 10 2>&1); then ok "tray.py wait finds the item"; else bad "tray.py wait finds the item" "$ITEM"; fi
check "the watcher printed item-registered" wait_line "$WORK/watcher.out" '"item-registered"' 2
check "tray.py items lists Id, Status, IconName, Menu" \
    bash -c "'$HERE/tray.py' items | $PY -c 'import json,sys; i=json.load(sys.stdin); assert len(i)==1, i; i=i[0]; assert i[\"Id\"]==\"tidings-check\" and i[\"Status\"]==\"Active\" and i[\"IconName\"].endswith(\"idle.png\") and i[\"Menu\"].endswith(\"/Menu\"), i'"
check "tray.py menu shows Open, Do not disturb (checkmark, off), separator, Quit" \
    bash -c "'$HERE/tray.py' menu --id-prefix tidings-check | $PY -c 'import json,sys; m=json.load(sys.stdin)[\"children\"]; assert [c[\"label\"] for c in m]==[\"Open\",\"Do not disturb\",\"\",\"Quit\"], m; assert m[1][\"toggle-type\"]==\"checkmark\" and m[1][\"toggle-state\"]==0 and m[2][\"type\"]==\"separator\", m'"
SERVICE=$(echo "$ITEM" | json 'print(d["service"])')
MENU=$(echo "$ITEM" | json 'print(d["Menu"])')
check "tray.py click --label 'Do not disturb'" "$HERE/tray.py" click "$SERVICE" "$MENU" --label "Do not disturb"
check "the indicator saw the click" wait_line "$WORK/ind.out" '^clicked Do not disturb active=True$' 3
check "toggle-state flipped to 1" \
    bash -c "'$HERE/tray.py' menu '$SERVICE' '$MENU' | $PY -c 'import json,sys; m=json.load(sys.stdin)[\"children\"]; assert m[1][\"toggle-state\"]==1, m[1]'"
check "tray.py click --id (Open)" "$HERE/tray.py" click "$SERVICE" "$MENU" --id 2
check "the indicator saw Open" wait_line "$WORK/ind.out" '^clicked Open$' 3
ICONS=$(sed -n 's/^ready //p' "$WORK/ind.out")
echo "icon $ICONS/unread.png" >&4
check "set_icon_full changes IconName" "$HERE/tray.py" wait-prop --id-prefix tidings-check IconName --contains unread.png --timeout 5
check "tray.py items fingerprints the icon file (x-icon-file)" \
    bash -c "'$HERE/tray.py' items | $PY -c 'import json,sys,hashlib; i=json.load(sys.stdin)[0]; assert i[\"x-icon-file\"][\"sha256\"]==hashlib.sha256(open(\"$ICONS/unread.png\",\"rb\").read()).hexdigest(), i'"
echo "label 3 unread" >&4
check "set_label changes XAyatanaLabel" "$HERE/tray.py" wait-prop --id-prefix tidings-check XAyatanaLabel --equals "3 unread" --timeout 5
check "tray.py prop SERVICE PATH NAME" \
    bash -c "[ \"\$('$HERE/tray.py' prop '$SERVICE' \"\$(echo '$ITEM' | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"path\"])')\" Title)\" = '\"Tidings check\"' ]"
check "clicking Quit (owner exits) still succeeds" "$HERE/tray.py" click "$SERVICE" "$MENU" --label Quit
check "the watcher dropped the item" wait_line "$WORK/watcher.out" '"item-unregistered"' 5

# --- notifications ---
"$HERE/notifications.py" watch > "$WORK/notes.out" 2>&1 &
PIDS+=($!)
check "notifications.py watch prints ready" wait_line "$WORK/notes.out" '^ready$' 5
check "Notify without a daemon fails" bash -c "! notify-send nobody-listens 2>/dev/null"
dunst -config "$HERE/dunstrc" > "$WORK/dunst.out" 2>&1 &
PIDS+=($!)
# shellcheck disable=SC2016
check "dunst owns org.freedesktop.Notifications" bash -c 'for i in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q "boolean true" && exit 0; sleep 0.1; done; exit 1'
timeout 20 notify-send -a tidings -A default=Open -h string:x-tidings-chat:42 "Summary one" "Body one" > "$WORK/ns1.out" 2>&1 &
NS1=$!
check "watch prints the Notify with its id" wait_line "$WORK/notes.out" '"summary": "Summary one"' 5
LINE=$(grep '"summary": "Summary one"' "$WORK/notes.out")
check "the line has id, actions and hints" bash -c "echo '$LINE' | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"id\"]>0 and d[\"app_name\"]==\"tidings\" and d[\"body\"]==\"Body one\" and d[\"actions\"]==[\"default\",\"Open\"] and d[\"hints\"][\"x-tidings-chat\"]==\"42\", d'"
check "notifications.py dunst-action" "$HERE/notifications.py" dunst-action
wait $NS1
check "notify-send -A printed the action dunst invoked" grep -qx default "$WORK/ns1.out"
check "watch saw ActionInvoked and the close" wait_line "$WORK/notes.out" '"closed": ' 3
# A notify-rust-like listener (match rule without sender) sees `invoke`.
cat > "$WORK/listener.py" <<'EOF'
import dbus, sys
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
nid = bus.get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").Notify(
    "listener", 0, "", "Summary two", "Body", ["default", "Open", "open-chat", "Open chat"], {}, -1,
    dbus_interface="org.freedesktop.Notifications")
loop = GLib.MainLoop()
def on_action(i, action):
    if i == nid:
        print(action, flush=True); loop.quit()
bus.add_signal_receiver(on_action, "ActionInvoked", "org.freedesktop.Notifications")
print("id", int(nid), flush=True)
GLib.timeout_add(10000, loop.quit); loop.run()
EOF
$PY "$WORK/listener.py" > "$WORK/listener.out" 2>&1 &
LISTENER=$!
check "a second Notify gets an id" wait_line "$WORK/listener.out" '^id ' 5
NID=$(sed -n 's/^id //p' "$WORK/listener.out")
check "notifications.py invoke ID ACTION" "$HERE/notifications.py" invoke "$NID" open-chat
wait $LISTENER
check "a sender-less listener (like notify-rust) got the action" grep -qx open-chat "$WORK/listener.out"
check "watch saw the invoked action" wait_line "$WORK/notes.out" "\"action_invoked\": $NID, \"action\": \"open-chat\"" 3

# --- drag and drop ---
mkdir -p "$WORK/files"
echo a > "$WORK/files/hello world.txt"
echo b > "$WORK/files/ünï#%.png"
"$HERE/drop_target_check.py" --x 500 --y 200 --timeout 30 > "$WORK/drop.out" 2>&1 &
PIDS+=($!)
DROP=$!
(cd "$WORK/files" && exec "$HERE/drag_source.py" "hello world.txt" "ünï#%.png" --timeout 30) > "$WORK/drag.out" 2>&1 &
PIDS+=($!)
DRAG=$!
check "drag_source.py prints ready X Y" wait_line "$WORK/drag.out" '^ready [0-9]+ [0-9]+$' 10
check "drop_target_check.py prints ready X Y" wait_line "$WORK/drop.out" '^ready [0-9]+ [0-9]+$' 10
read -r _ SX SY < <(grep '^ready' "$WORK/drag.out")
read -r _ TX TY < <(grep '^ready' "$WORK/drop.out")
check "drag.sh from the source to the target" "$HERE/drag.sh" "$SX" "$SY" "$TX" "$TY"
wait $DROP
check "the target got both percent-encoded URIs" \
    bash -c "grep '^{' '$WORK/drop.out' | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"uris\"]==[\"file://$WORK/files/hello%20world.txt\",\"file://$WORK/files/%C3%BCn%C3%AF%23%25.png\"], d'"
wait $DRAG
DRAG_RC=$?
check "the source saw drag-data-get and drag-end, and exited 0" \
    bash -c "[ $DRAG_RC -eq 0 ] && grep -q '^drag-data-get 2$' '$WORK/drag.out' && grep -q '^drag-end$' '$WORK/drag.out'"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
