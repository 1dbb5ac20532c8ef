#!/usr/bin/python3
"""A minimal org.kde.StatusNotifierWatcher for tests, on the session bus of
DBUS_SESSION_BUS_ADDRESS.

Claims org.kde.StatusNotifierWatcher, serves /StatusNotifierWatcher, counts
itself as a StatusNotifierHost (so libayatana-appindicator exports a
StatusNotifierItem instead of falling back to an XEmbed icon), prints `ready`
once it owns the name and then one JSON line per event:

  {"event": "item-registered",   "item": ":1.42/org/ayatana/NotificationItem/x",
   "service": ":1.42", "path": "/org/ayatana/NotificationItem/x", "sender": ":1.42"}
  {"event": "item-unregistered", ...same keys...}
  {"event": "host-registered",   "service": "..."}

Runs until SIGTERM/SIGINT, until the bus goes away, or for --timeout seconds.
"""

import os
import sys

try:
    import dbus
    import dbus.service
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib
except ImportError as error:  # e.g. a pyenv python3 without the Debian modules
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"sn_watcher.py: {error} (apt-get install python3-dbus python3-gi)")

import argparse
import json
import signal

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
IFACE = "org.kde.StatusNotifierWatcher"
PROPS = "org.freedesktop.DBus.Properties"


def emit(obj):
    print(json.dumps(obj) if not isinstance(obj, str) else obj, flush=True)


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, PATH)
        self.bus = bus
        # item string ("service/path") -> {"service", "path", "sender"}
        self.items = {}
        # host service name -> sender
        self.hosts = {}
        bus.add_signal_receiver(
            self.name_owner_changed,
            signal_name="NameOwnerChanged",
            dbus_interface="org.freedesktop.DBus",
            bus_name="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
        )

    # --- methods -------------------------------------------------------
    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service_or_path, sender=None):
        if service_or_path.startswith("/"):
            service, path = sender, str(service_or_path)
        else:
            service, path = str(service_or_path), "/StatusNotifierItem"
        key = service + path
        if key in self.items:
            return
        entry = {"service": service, "path": path, "sender": str(sender)}
        self.items[key] = entry
        self.StatusNotifierItemRegistered(key)
        emit({"event": "item-registered", "item": key, **entry})

    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierHost(self, service, sender=None):
        self._add_host(str(service), str(sender))

    # --- signals -------------------------------------------------------
    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemUnregistered(self, item):
        pass

    @dbus.service.signal(IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.signal(IFACE, signature="")
    def StatusNotifierHostUnregistered(self):
        pass

    # --- properties ----------------------------------------------------
    def _props(self):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(sorted(self.items), signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        if interface not in (IFACE, ""):
            raise dbus.exceptions.DBusException(
                f"no interface {interface}", name="org.freedesktop.DBus.Error.UnknownInterface")
        props = self._props()
        if prop not in props:
            raise dbus.exceptions.DBusException(
                f"no property {prop}", name="org.freedesktop.DBus.Error.UnknownProperty")
        return props[prop]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface not in (IFACE, ""):
            return dbus.Dictionary({}, signature="sv")
        return dbus.Dictionary(self._props(), signature="sv")

    @dbus.service.method(PROPS, in_signature="ssv", out_signature="")
    def Set(self, interface, prop, value):
        raise dbus.exceptions.DBusException(
            f"{prop} is read-only", name="org.freedesktop.DBus.Error.PropertyReadOnly")

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    # --- bookkeeping ---------------------------------------------------
    def _add_host(self, service, sender, quiet=False):
        if service in self.hosts:
            return
        self.hosts[service] = sender
        self.StatusNotifierHostRegistered()
        if not quiet:
            emit({"event": "host-registered", "service": service})

    def name_owner_changed(self, name, old_owner, new_owner):
        if new_owner:
            return
        gone = [k for k, v in self.items.items() if name in (v["sender"], v["service"])]
        for key in gone:
            entry = self.items.pop(key)
            self.StatusNotifierItemUnregistered(key)
            emit({"event": "item-unregistered", "item": key, **entry})
        for service in [s for s, sender in self.hosts.items() if name in (s, sender)]:
            del self.hosts[service]


def main():
    parser = argparse.ArgumentParser(
        description="Minimal org.kde.StatusNotifierWatcher (also registers itself as a "
        "host) on the session bus of $DBUS_SESSION_BUS_ADDRESS. Prints `ready` once it "
        "owns the name, then one JSON line per registration event.")
    parser.add_argument("--timeout", type=float, default=0,
                        help="exit (status 0) after this many seconds; 0 = run until "
                        "SIGTERM/SIGINT or until the bus goes away (default)")
    args = parser.parse_args()

    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        sys.exit("sn_watcher.py: DBUS_SESSION_BUS_ADDRESS is not set")

    DBusGMainLoop(set_as_default=True)
    try:
        bus = dbus.SessionBus()
    except dbus.exceptions.DBusException as error:
        sys.exit(f"sn_watcher.py: cannot connect to the session bus: {error}")
    watcher = Watcher(bus)
    reply = bus.request_name(NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if reply not in (dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER,
                     dbus.bus.REQUEST_NAME_REPLY_ALREADY_OWNER):
        sys.exit(f"sn_watcher.py: {NAME} is already owned on this bus")
    # We are the (only) host: ayatana checks IsStatusNotifierHostRegistered.
    watcher._add_host(bus.get_unique_name(), bus.get_unique_name(), quiet=True)
    emit("ready")

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda *_: loop.quit() or False)
    if args.timeout > 0:
        GLib.timeout_add(int(args.timeout * 1000), lambda: loop.quit() or False)
    bus.call_on_disconnection(lambda *_: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
