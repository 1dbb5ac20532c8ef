#!/usr/bin/python3
"""Observe and answer desktop notifications (org.freedesktop.Notifications) on the
session bus of DBUS_SESSION_BUS_ADDRESS.

  notifications.py watch [--timeout S] [--count N]
      Becomes a bus monitor (org.freedesktop.DBus.Monitoring.BecomeMonitor, on a
      connection of its own) and prints `ready`, then one JSON line per event:
        {"id": 7, "app_name": "...", "replaces_id": 0, "summary": "...", "body": "...",
         "actions": ["default", "Open"], "hints": {...}, "expire_timeout": -1,
         "sender": ":1.5"}                         a Notify call, once it is answered
        {"id": null, "error": "org.freedesktop.DBus.Error.ServiceUnknown", ...}
                                                   a Notify call that failed
        {"closed": 7}                              a CloseNotification call
        {"action_invoked": 7, "action": "default"} an ActionInvoked signal
        {"notification_closed": 7, "reason": 2}    a NotificationClosed signal
      "actions" is the flat list of the call ([key, label, key, label, ...]).
      Runs until SIGTERM/SIGINT, the bus goes away, --timeout seconds, or --count
      Notify lines. (`notifications.py` with no subcommand means `watch`.)

  notifications.py invoke ID ACTION [--close [REASON]]
      Emits ActionInvoked(uint32 ID, string ACTION) on /org/freedesktop/Notifications,
      interface org.freedesktop.Notifications, as a broadcast from this process's own
      connection (a client cannot send as another unique name, so it is NOT the
      name owner's). notify-rust's wait_for_action matches it (its match rule has no
      sender); libnotify clients (notify-send -A) do not, see the README.
      --close also emits NotificationClosed(ID, REASON) afterwards (default reason 2,
      "dismissed by the user"), as a real server does after an action.

  notifications.py dunst-action [--position N]
      Asks a running dunst (org.dunstproject.cmd0.NotificationAction) to do the
      action of the notification displayed at POSITION (0 = the top one, default):
      dunst invokes "default" if the notification has it, else its only action.
      The ActionInvoked signal then comes from the real name owner, so libnotify
      clients see it too. dunst cannot target a notification by id.
"""

import os
import sys

try:
    import dbus
    import dbus.lowlevel
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib
except ImportError as error:  # e.g. a pyenv python3 without the Debian modules
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"notifications.py: {error} (apt-get install python3-dbus python3-gi)")

import argparse
import hashlib
import json
import signal

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def plain(value):
    """dbus-python values -> JSON-friendly values; byte arrays (image-data hints)
    become {"bytes": length, "sha256": hex}."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64,
                          dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(value)
    if isinstance(value, (dbus.ByteArray, bytes)) or (
            isinstance(value, dbus.Array) and value.signature == "y"):
        data = bytes(int(b) for b in value) if isinstance(value, dbus.Array) else bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(v) for v in value]
    return value


def emit(obj):
    print(obj if isinstance(obj, str) else json.dumps(obj), flush=True)


def bus_address():
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        sys.exit("notifications.py: DBUS_SESSION_BUS_ADDRESS is not set")
    return address


def watch(args):
    DBusGMainLoop(set_as_default=True)
    try:
        conn = dbus.bus.BusConnection(bus_address())
    except dbus.exceptions.DBusException as error:
        sys.exit(f"notifications.py: cannot connect to the session bus: {error}")
    loop = GLib.MainLoop()
    pending = {}  # (sender, serial) -> Notify call fields
    seen = [0]

    def on_message(_conn, msg):
        # A monitor must never send: libdbus answers a method call that no filter
        # handled with an error, and the bus disconnects a monitor that sends. So
        # claim every message except the local Disconnected signal.
        if msg.get_interface() == "org.freedesktop.DBus.Local":
            loop.quit()
            return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
        try:
            handle(msg)
        except Exception as error:  # never let one odd message stop the watch
            print(f"notifications.py: {error!r}", file=sys.stderr, flush=True)
        return dbus.lowlevel.HANDLER_RESULT_HANDLED

    def handle(msg):
        kind = msg.get_type()
        if kind == dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
            if msg.get_interface() != IFACE:
                return
            member, body = msg.get_member(), msg.get_args_list()
            if member == "Notify" and len(body) >= 8:
                app_name, replaces_id, _icon, summary, text, actions, hints, expire = body[:8]
                pending[(msg.get_sender(), msg.get_serial())] = {
                    "app_name": plain(app_name), "replaces_id": plain(replaces_id),
                    "summary": plain(summary), "body": plain(text),
                    "actions": plain(actions), "hints": plain(hints),
                    "app_icon": plain(_icon), "expire_timeout": plain(expire),
                    "sender": msg.get_sender(),
                }
            elif member == "CloseNotification" and body:
                emit({"closed": plain(body[0])})
        elif kind in (dbus.lowlevel.MESSAGE_TYPE_METHOD_RETURN,
                      dbus.lowlevel.MESSAGE_TYPE_ERROR):
            call = pending.pop((msg.get_destination(), msg.get_reply_serial()), None)
            if call is None:
                return
            if kind == dbus.lowlevel.MESSAGE_TYPE_METHOD_RETURN:
                reply = msg.get_args_list()
                emit({"id": plain(reply[0]) if reply else None, **call})
            else:
                emit({"id": None, "error": msg.get_error_name(), **call})
            seen[0] += 1
            if args.count and seen[0] >= args.count:
                loop.quit()
        elif kind == dbus.lowlevel.MESSAGE_TYPE_SIGNAL and msg.get_interface() == IFACE:
            body = msg.get_args_list()
            if msg.get_member() == "ActionInvoked" and len(body) >= 2:
                emit({"action_invoked": plain(body[0]), "action": plain(body[1])})
            elif msg.get_member() == "NotificationClosed" and len(body) >= 2:
                emit({"notification_closed": plain(body[0]), "reason": plain(body[1])})

    conn.add_message_filter(on_message)
    rules = [
        f"type='method_call',interface='{IFACE}'",
        f"type='signal',interface='{IFACE}'",
        "type='method_return'",
        "type='error'",
    ]
    try:
        conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus.Monitoring", "BecomeMonitor", "asu",
                           (rules, 0), timeout=5)
    except dbus.exceptions.DBusException as error:
        sys.exit(f"notifications.py: BecomeMonitor failed (does the bus policy allow "
                 f"eavesdropping?): {error}")
    emit("ready")

    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda *_: loop.quit() or False)
    if args.timeout > 0:
        GLib.timeout_add(int(args.timeout * 1000), lambda: loop.quit() or False)
    conn.call_on_disconnection(lambda *_: loop.quit())
    loop.run()


def invoke(args):
    try:
        conn = dbus.bus.BusConnection(bus_address())
    except dbus.exceptions.DBusException as error:
        sys.exit(f"notifications.py: cannot connect to the session bus: {error}")
    msg = dbus.lowlevel.SignalMessage(PATH, IFACE, "ActionInvoked")
    msg.append(dbus.UInt32(args.id), dbus.String(args.action), signature="us")
    conn.send_message(msg)
    if args.close is not None:
        msg = dbus.lowlevel.SignalMessage(PATH, IFACE, "NotificationClosed")
        msg.append(dbus.UInt32(args.id), dbus.UInt32(args.close), signature="uu")
        conn.send_message(msg)
    conn.flush()
    # A round trip to the bus, so both signals are routed before we disconnect.
    conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                       "org.freedesktop.DBus", "GetId", "", (), timeout=5)
    conn.close()
    emit({"invoked": args.id, "action": args.action})


def dunst_action(args):
    try:
        conn = dbus.bus.BusConnection(bus_address())
        shown = conn.call_blocking(
            IFACE, PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
            ("org.dunstproject.cmd0", "displayedLength"), timeout=5)
        if int(shown) <= args.position:
            sys.exit(f"notifications.py: dunst displays {int(shown)} notification(s), "
                     f"none at position {args.position}")
        conn.call_blocking(IFACE, PATH, "org.dunstproject.cmd0", "NotificationAction", "u",
                           (args.position,), timeout=5)
    except dbus.exceptions.DBusException as error:
        sys.exit(f"notifications.py: dunst-action failed (is dunst running?): {error}")
    emit({"dunst_action": args.position})


def main():
    argv = sys.argv[1:]
    if not argv or argv[0] not in ("watch", "invoke", "dunst-action", "-h", "--help"):
        argv = ["watch"] + argv
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("watch", help="print one JSON line per notification (default)")
    p.add_argument("--timeout", type=float, default=0,
                   help="exit after this many seconds; 0 = until killed or the bus goes away")
    p.add_argument("--count", type=int, default=0,
                   help="exit after this many Notify lines; 0 = no limit")
    p = sub.add_parser("invoke", help="emit ActionInvoked(ID, ACTION)")
    p.add_argument("id", type=int)
    p.add_argument("action")
    p.add_argument("--close", type=int, nargs="?", const=2, default=None, metavar="REASON",
                   help="also emit NotificationClosed(ID, REASON), REASON default 2")
    p = sub.add_parser("dunst-action",
                       help="have dunst invoke the action of a displayed notification")
    p.add_argument("--position", type=int, default=0,
                   help="index in dunst's displayed list, 0 = top (default)")
    args = parser.parse_args(argv)
    {"watch": watch, "invoke": invoke, "dunst-action": dunst_action}[args.command](args)


if __name__ == "__main__":
    main()
