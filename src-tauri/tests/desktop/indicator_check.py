#!/usr/bin/python3
"""A stand-in tray icon for checking sn_watcher.py and tray.py without the app:
an AyatanaAppIndicator3 indicator (the library Tauri's tray-icon uses on Linux)
with the menu "Open", a check item "Do not disturb", a separator and "Quit".

Needs an X display (GTK) and DBUS_SESSION_BUS_ADDRESS. Prints `ready ICON_DIR`
once the indicator is set up (ICON_DIR holds idle.png and unread.png), then `clicked LABEL` (check items: `clicked LABEL active=BOOL`)
for each activated menu entry. Reads commands from stdin, one a line, to change
the indicator at run time the way the app does:
  icon NAME_OR_ABSOLUTE_PATH       app_indicator_set_icon_full(x, "icon")
  theme-path DIR                   app_indicator_set_icon_theme_path(DIR)
  label TEXT                       app_indicator_set_label(TEXT, "")
  title TEXT                       app_indicator_set_title(TEXT)
  status active|passive|attention  app_indicator_set_status
  quit
Answers each command with `ok COMMAND`. Quits on the "Quit" menu entry, `quit`,
SIGTERM, or after --timeout seconds (default 120); end of input only stops reading.
"""

import os
import sys

try:
    import gi
    gi.require_version("Gtk", "3.0")
    gi.require_version("AyatanaAppIndicator3", "0.1")
    from gi.repository import AyatanaAppIndicator3 as AppIndicator
    from gi.repository import GLib, Gtk
except (ImportError, ValueError) as error:
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"indicator_check.py: {error} "
             "(apt-get install python3-gi gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1)")

import argparse
import signal
import struct
import zlib


def write_png(path, rgba, size=22):
    """A solid-colour RGBA PNG, no imaging library needed."""
    raw = b"".join(b"\x00" + bytes(rgba) * size for _ in range(size))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n"
                + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw))
                + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--id", default="tidings-check", help="indicator id (default %(default)s)")
    parser.add_argument("--icon-dir", default=None,
                        help="where to write the icons idle.png and unread.png "
                        "(default: a new directory under $XDG_RUNTIME_DIR or /tmp)")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    icon_dir = args.icon_dir
    if icon_dir is None:
        import tempfile
        icon_dir = tempfile.mkdtemp(prefix="indicator-check-",
                                    dir=os.environ.get("XDG_RUNTIME_DIR") or None)
    os.makedirs(icon_dir, exist_ok=True)
    write_png(os.path.join(icon_dir, "idle.png"), (40, 120, 220, 255))
    write_png(os.path.join(icon_dir, "unread.png"), (220, 40, 40, 255))

    indicator = AppIndicator.Indicator.new(
        args.id, os.path.join(icon_dir, "idle.png"),
        AppIndicator.IndicatorCategory.COMMUNICATIONS)
    indicator.set_status(AppIndicator.IndicatorStatus.ACTIVE)
    indicator.set_title("Tidings check")

    menu = Gtk.Menu()
    loop = GLib.MainLoop()

    def clicked(item):
        label = item.get_label()
        if isinstance(item, Gtk.CheckMenuItem):
            print(f"clicked {label} active={item.get_active()}", flush=True)
        else:
            print(f"clicked {label}", flush=True)
        if label == "Quit":
            loop.quit()

    for label in ("Open", "Do not disturb", None, "Quit"):
        if label is None:
            item = Gtk.SeparatorMenuItem()
        elif label == "Do not disturb":
            item = Gtk.CheckMenuItem.new_with_label(label)
            item.connect("toggled", clicked)
        else:
            item = Gtk.MenuItem.new_with_label(label)
            item.connect("activate", clicked)
        menu.append(item)
    menu.show_all()
    indicator.set_menu(menu)

    statuses = {"active": AppIndicator.IndicatorStatus.ACTIVE,
                "passive": AppIndicator.IndicatorStatus.PASSIVE,
                "attention": AppIndicator.IndicatorStatus.ATTENTION}

    def command(channel, condition):
        line = channel.readline()
        if not line:  # end of input: stop reading, keep running
            return False
        verb, _, rest = line.strip().partition(" ")
        if verb == "icon":
            indicator.set_icon_full(rest, "icon")
        elif verb == "theme-path":
            indicator.set_icon_theme_path(rest)
        elif verb == "label":
            indicator.set_label(rest, "")
        elif verb == "title":
            indicator.set_title(rest)
        elif verb == "status" and rest in statuses:
            indicator.set_status(statuses[rest])
        elif verb == "quit":
            loop.quit()
        elif verb:
            print(f"error unknown command {line.strip()!r}", flush=True)
            return True
        print(f"ok {verb}", flush=True)
        return True

    channel = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(channel, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, command)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda *_: loop.quit() or False)
    GLib.timeout_add(int(args.timeout * 1000), lambda: loop.quit() or False)
    GLib.idle_add(lambda: print(f"ready {icon_dir}", flush=True) and False)
    loop.run()


if __name__ == "__main__":
    main()
