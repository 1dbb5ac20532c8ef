#!/usr/bin/python3
"""A GTK3 window that accepts file drops (text/uri-list), for checking
drag_source.py + drag.sh without the app.

Needs an X display. Prints, flushed:
  ready X Y                       the window's centre in screen coordinates, once mapped
  {"uris": [...], "paths": [...]} one JSON line per drop received
Quits 0.5 s after the first drop (status 0), or after --timeout seconds (status 1).
"""

import os
import sys

try:
    import gi
    gi.require_version("Gtk", "3.0")
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk, GLib, Gtk
except (ImportError, ValueError) as error:
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"drop_target_check.py: {error} (apt-get install python3-gi gir1.2-gtk-3.0)")

import argparse
import json
import signal


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--x", type=int, default=400)
    parser.add_argument("--y", type=int, default=200)
    parser.add_argument("--width", type=int, default=400)
    parser.add_argument("--height", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    if not os.environ.get("DISPLAY") or not Gtk.init_check(sys.argv)[0]:
        sys.exit("drop_target_check.py: no X display (DISPLAY)")

    status = {"code": 1}

    def quit_with(code):
        status["code"] = code
        Gtk.main_quit()
        return False

    window = Gtk.Window(title="drop target")
    window.set_decorated(False)
    window.set_size_request(args.width, args.height)
    window.move(args.x, args.y)
    label = Gtk.Label(label="Drop files here")
    window.add(label)

    window.drag_dest_set(Gtk.DestDefaults.ALL, [], Gdk.DragAction.COPY)
    window.drag_dest_add_uri_targets()
    received = [False]

    def data_received(_widget, _context, _x, _y, data, _info, _time):
        uris = list(data.get_uris() or [])
        paths = [GLib.filename_from_uri(u)[0] if u.startswith("file:") else None for u in uris]
        print(json.dumps({"uris": uris, "paths": paths}), flush=True)
        if not received[0]:
            received[0] = True
            GLib.timeout_add(500, quit_with, 0)

    window.connect("drag-data-received", data_received)

    def announce():
        _, ox, oy = window.get_window().get_origin()
        alloc = window.get_allocation()
        print(f"ready {ox + alloc.width // 2} {oy + alloc.height // 2}", flush=True)
        return False

    window.connect("map-event", lambda *_: GLib.timeout_add(150, announce) and False)
    window.connect("destroy", lambda *_: quit_with(status["code"]))
    GLib.timeout_add(int(args.timeout * 1000), quit_with, 1)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, quit_with, 1)
    window.show_all()
    Gtk.main()
    if status["code"]:
        print(f"drop_target_check.py: no drop within {args.timeout} s", file=sys.stderr)
    sys.exit(status["code"])


if __name__ == "__main__":
    main()
