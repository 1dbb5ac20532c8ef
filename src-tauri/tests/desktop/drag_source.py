#!/usr/bin/python3
"""A tiny GTK3 drag source of OS files, for driving a drag-and-drop with xdotool
(see drag.sh): an undecorated WIDTHxHEIGHT window at --x/--y holding one button
"Drag me" whose drag carries the files as text/uri-list (absolute, percent-encoded
file:// URIs).

Needs an X display. Prints, flushed, one line per event:
  ready X Y            the button's centre in screen coordinates, once mapped
  drag-begin
  drag-data-get N      the target asked for the data; N URIs were sent
  drag-end             (the process quits 1 s later)
  drag-failed RESULT   GTK's Gtk.DragResult nick, e.g. no-target, timeout-expired
Quits by itself after --timeout seconds (default 60, exit status 1 unless a drag
ended), 1 s after the drag ends (status 0), or on SIGTERM.
"""

import os
import sys

try:
    import gi
    gi.require_version("Gtk", "3.0")
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk, Gio, GLib, Gtk
except (ImportError, ValueError) as error:
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"drag_source.py: {error} (apt-get install python3-gi gir1.2-gtk-3.0)")

import argparse
import signal


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="files whose URIs the drag carries (need not exist)")
    parser.add_argument("--x", type=int, default=20, help="window left edge (default 20)")
    parser.add_argument("--y", type=int, default=20, help="window top edge (default 20)")
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=80)
    parser.add_argument("--timeout", type=float, default=60,
                        help="give up after this many seconds (default 60)")
    args = parser.parse_args()

    if not os.environ.get("DISPLAY"):
        sys.exit("drag_source.py: DISPLAY is not set")
    if not Gtk.init_check(sys.argv)[0]:
        sys.exit(f"drag_source.py: cannot open display {os.environ['DISPLAY']}")

    uris = [Gio.File.new_for_path(os.path.abspath(f)).get_uri() for f in args.files]
    status = {"code": 1, "ended": False}

    def out(line):
        print(line, flush=True)

    def quit_with(code):
        status["code"] = code
        Gtk.main_quit()
        return False

    window = Gtk.Window(type=Gtk.WindowType.TOPLEVEL)
    window.set_title("drag source")
    window.set_decorated(False)
    window.set_default_size(args.width, args.height)
    window.set_size_request(args.width, args.height)
    window.set_resizable(False)
    window.set_keep_above(True)
    window.move(args.x, args.y)

    button = Gtk.Button(label="Drag me")
    window.add(button)

    button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    button.drag_source_add_uri_targets()

    def data_get(_widget, _context, data, _info, _time):
        data.set_uris(uris)
        out(f"drag-data-get {len(uris)}")

    def drag_end(_widget, _context):
        out("drag-end")
        if not status["ended"]:
            status["ended"] = True
            GLib.timeout_add(1000, quit_with, 0)

    def drag_failed(_widget, _context, result):
        out(f"drag-failed {result.value_nick}")
        return False  # let GTK do its usual "snap back" animation

    button.connect("drag-begin", lambda *_: out("drag-begin"))
    button.connect("drag-data-get", data_get)
    button.connect("drag-end", drag_end)
    button.connect("drag-failed", drag_failed)

    announced = [False]

    def announce():
        if announced[0]:
            return False
        gdk_window = window.get_window()
        if gdk_window is None or not window.get_mapped():
            return True  # try again shortly
        alloc = button.get_allocation()
        cx, cy = button.translate_coordinates(window, alloc.width // 2, alloc.height // 2)
        _, ox, oy = gdk_window.get_origin()
        announced[0] = True
        out(f"ready {ox + cx} {oy + cy}")
        return False

    # Announce once mapped and drawn (a short delay lets the X server settle).
    window.connect("map-event", lambda *_: GLib.timeout_add(150, announce) and False)
    window.connect("destroy", lambda *_: quit_with(status["code"]))
    GLib.timeout_add(int(args.timeout * 1000), quit_with, 1)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, quit_with, 1)
    window.show_all()
    Gtk.main()
    if status["code"] and not status["ended"]:
        print(f"drag_source.py: no drag ended within {args.timeout} s", file=sys.stderr)
    sys.exit(status["code"])


if __name__ == "__main__":
    main()
