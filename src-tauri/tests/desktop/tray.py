#!/usr/bin/python3
"""Inspect and drive StatusNotifierItems (tray icons) on the session bus of
DBUS_SESSION_BUS_ADDRESS, through the org.kde.StatusNotifierWatcher
(sn_watcher.py) and the items' com.canonical.dbusmenu menus.

Subcommands (all print JSON on stdout; errors go to stderr with exit status 1):
  items                                  list registered items with all their properties
                                         (+ "service", "path", and "x-icon-file":
                                         {bytes, sha256} when IconName is a file)
  wait --id-prefix X [--timeout 20]      wait until an item whose Id starts with X exists
  prop SERVICE PATH NAME                 print one org.kde.StatusNotifierItem property
  wait-prop SERVICE PATH NAME (--equals V | --not-equals V | --contains V) [--timeout 20]
                                         poll a property until the condition holds
  menu SERVICE MENUPATH                  print the menu tree (GetLayout(0, -1, []))
  click SERVICE MENUPATH (--label L | --id N)
                                         send Event(id, "clicked", <int32 0>, <uint32 time>)
                                         and print the entry as it was before the click
                                         (plus "owner_exited": true if the menu's owner
                                         quit before answering, e.g. after "Quit")
menu/click/prop/wait-prop also accept --id-prefix X instead of SERVICE and
(MENU)PATH: the item is looked up by Id and its own path / Menu property used.
"""

import os
import sys

try:
    import dbus
except ImportError as error:  # e.g. a pyenv python3 without the Debian modules
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TIDINGS_DESKTOP_REEXEC"):
        os.environ["TIDINGS_DESKTOP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit(f"tray.py: {error} (apt-get install python3-dbus)")

import argparse
import hashlib
import json
import time

WATCHER = ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
WATCHER_IFACE = "org.kde.StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPS = "org.freedesktop.DBus.Properties"
CALL_TIMEOUT = 5  # seconds, for every single D-Bus call


class Failure(Exception):
    pass


def plain(value):
    """dbus-python values -> JSON-friendly Python values. Byte arrays (icon
    pixmaps) become {"bytes": length, "sha256": hex}."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64,
                          dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(value)
    if isinstance(value, (dbus.ByteArray, bytes)):
        data = bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, dbus.Array) and value.signature == "y":
        data = bytes(int(b) for b in value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(v) for v in value]
    return value


def connect():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise Failure("DBUS_SESSION_BUS_ADDRESS is not set")
    try:
        return dbus.SessionBus()
    except dbus.exceptions.DBusException as error:
        raise Failure(f"cannot connect to the session bus: {error}")


def call(bus, service, path, iface, method, *args, signature=None):
    try:
        obj = bus.get_object(service, path, introspect=False)
        return getattr(obj, method)(*args, dbus_interface=iface, signature=signature,
                                    timeout=CALL_TIMEOUT)
    except dbus.exceptions.DBusException as error:
        raise Failure(f"{service} {path} {iface}.{method}: "
                      f"{error.get_dbus_name()}: {error.get_dbus_message()}")


def registered(bus):
    """[(service, path)] from the watcher's RegisteredStatusNotifierItems."""
    entries = call(bus, *WATCHER, PROPS, "Get", WATCHER_IFACE,
                   "RegisteredStatusNotifierItems")
    out = []
    for entry in entries:
        entry = str(entry)
        cut = entry.find("/")
        if cut < 0:  # a bare bus name: the spec's default path
            out.append((entry, "/StatusNotifierItem"))
        else:
            out.append((entry[:cut], entry[cut:]))
    return out


def item_props(bus, service, path):
    props = call(bus, service, path, PROPS, "GetAll", ITEM_IFACE)
    return {str(k): plain(v) for k, v in props.items()}


def list_items(bus):
    items = []
    for service, path in registered(bus):
        try:
            props = item_props(bus, service, path)
        except Failure as error:  # item vanished between the two calls
            props = {"error": str(error)}
        item = {"service": service, "path": path, **props}
        icon = props.get("IconName")
        if isinstance(icon, str) and icon.startswith("/") and os.path.isfile(icon):
            # tray-icon (Tauri) writes every icon it is given to a new PNG file and
            # passes its absolute path as IconName: fingerprint the file.
            with open(icon, "rb") as f:
                data = f.read()
            item["x-icon-file"] = {"bytes": len(data),
                                   "sha256": hashlib.sha256(data).hexdigest()}
        items.append(item)
    return items


def find_item(bus, prefix):
    for item in list_items(bus):
        if str(item.get("Id", "")).startswith(prefix):
            return item
    return None


def wait_item(bus, prefix, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            item = find_item(bus, prefix)
        except Failure:
            item = None  # the watcher may not be up yet
        if item is not None:
            return item
        if time.monotonic() > deadline:
            raise Failure(f"no item whose Id starts with {prefix!r} within {timeout} s")
        time.sleep(0.2)


def strip_mnemonic(label):
    out, i = [], 0
    while i < len(label):
        if label[i] == "_":
            if i + 1 < len(label) and label[i + 1] == "_":
                out.append("_")
                i += 2
                continue
            i += 1
            continue
        out.append(label[i])
        i += 1
    return "".join(out)


def menu_node(node):
    ident, props, children = node
    props = {str(k): plain(v) for k, v in props.items()}
    out = {
        "id": int(ident),
        "label": strip_mnemonic(props.get("label", "")),
        "type": props.get("type", "standard"),
        "toggle-type": props.get("toggle-type", ""),
        "toggle-state": props.get("toggle-state", -1),
        "enabled": props.get("enabled", True),
        "visible": props.get("visible", True),
    }
    for extra in ("children-display", "icon-name", "shortcut", "disposition"):
        if extra in props:
            out[extra] = props[extra]
    out["children"] = [menu_node(child) for child in children]
    return out


def get_menu(bus, service, menu_path):
    _revision, layout = call(bus, service, menu_path, MENU_IFACE, "GetLayout",
                             dbus.Int32(0), dbus.Int32(-1), dbus.Array([], signature="s"),
                             signature="iias")
    return menu_node(layout)


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


def click(bus, service, menu_path, label=None, ident=None):
    tree = get_menu(bus, service, menu_path)
    if ident is None:
        matches = [n for n in walk(tree) if n["id"] != 0 and n["label"] == label]
        if not matches:
            labels = [n["label"] for n in walk(tree) if n["id"] != 0]
            raise Failure(f"no menu entry labelled {label!r}; entries: {labels}")
        if len(matches) > 1:
            print(f"tray.py: {len(matches)} entries labelled {label!r}, clicking the first",
                  file=sys.stderr)
        node = matches[0]
    else:
        matches = [n for n in walk(tree) if n["id"] == ident]
        if not matches:
            raise Failure(f"no menu entry with id {ident}")
        node = matches[0]
    # As a tray host would when the menu opens (errors ignored: optional in the spec).
    try:
        call(bus, service, menu_path, MENU_IFACE, "AboutToShow", dbus.Int32(0), signature="i")
    except Failure:
        pass
    try:
        bus.get_object(service, menu_path, introspect=False).Event(
            dbus.Int32(node["id"]), "clicked", dbus.Int32(0, variant_level=1),
            dbus.UInt32(int(time.time()) & 0xFFFFFFFF),
            dbus_interface=MENU_IFACE, signature="isvu", timeout=CALL_TIMEOUT)
    except dbus.exceptions.DBusException as error:
        # An entry such as "Quit" may end the process before libdbusmenu answers:
        # the click was delivered if the owner is gone.
        if (error.get_dbus_name() == "org.freedesktop.DBus.Error.NoReply"
                and not owner_alive(bus, service)):
            return {**node, "owner_exited": True}
        raise Failure(f"{service} {menu_path} {MENU_IFACE}.Event: "
                      f"{error.get_dbus_name()}: {error.get_dbus_message()}")
    return node


def owner_alive(bus, service):
    try:
        return bool(bus.name_has_owner(service))
    except dbus.exceptions.DBusException:
        return False


def resolve(bus, args, count):
    """(service, path, rest): with --id-prefix the item supplies service and path."""
    if args.id_prefix is not None:
        if len(args.args) != count - 2:
            raise Failure(f"with --id-prefix give {count - 2} positional argument(s)")
        item = find_item(bus, args.id_prefix)
        if item is None:
            raise Failure(f"no item whose Id starts with {args.id_prefix!r}")
        path = item["Menu"] if args.command in ("menu", "click") else item["path"]
        return item["service"], path, args.args
    if len(args.args) != count:
        raise Failure(f"{args.command} needs {count} positional arguments, got {len(args.args)}")
    return args.args[0], args.args[1], args.args[2:]


def matches_condition(value, args):
    text = value if isinstance(value, str) else json.dumps(value)
    if args.equals is not None:
        return text == args.equals
    if args.not_equals is not None:
        return text != args.not_equals
    return args.contains in text


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("items", help="print a JSON list of the registered items")
    p = sub.add_parser("wait", help="wait for an item by Id prefix, print it")
    p.add_argument("--id-prefix", required=True)
    p.add_argument("--timeout", type=float, default=20)
    p = sub.add_parser("prop", help="print one item property as JSON",
                       usage="tray.py prop (SERVICE PATH NAME | --id-prefix X NAME)")
    p.add_argument("args", nargs="*")
    p.add_argument("--id-prefix")
    p = sub.add_parser("wait-prop", help="poll an item property until a condition holds",
                       usage="tray.py wait-prop (SERVICE PATH NAME | --id-prefix X NAME) "
                       "(--equals V | --not-equals V | --contains V) [--timeout S]")
    p.add_argument("args", nargs="*")
    p.add_argument("--id-prefix")
    cond = p.add_mutually_exclusive_group(required=True)
    cond.add_argument("--equals", help="string value (non-strings compared as JSON text)")
    cond.add_argument("--not-equals")
    cond.add_argument("--contains")
    p.add_argument("--timeout", type=float, default=20)
    p = sub.add_parser("menu", help="print the dbusmenu tree as JSON",
                       usage="tray.py menu (SERVICE MENUPATH | --id-prefix X)")
    p.add_argument("args", nargs="*")
    p.add_argument("--id-prefix")
    p = sub.add_parser("click", help="click a menu entry by label or id",
                       usage="tray.py click (SERVICE MENUPATH | --id-prefix X) "
                       "(--label L | --id N)")
    p.add_argument("args", nargs="*")
    p.add_argument("--id-prefix")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--label", help="label without mnemonic underscores, exact match")
    which.add_argument("--id", type=int)
    args = parser.parse_args()

    try:
        bus = connect()
        if args.command == "items":
            result = list_items(bus)
        elif args.command == "wait":
            result = wait_item(bus, args.id_prefix, args.timeout)
        elif args.command == "prop":
            service, path, (name,) = resolve(bus, args, 3)
            result = plain(call(bus, service, path, PROPS, "Get", ITEM_IFACE, name))
        elif args.command == "wait-prop":
            service, path, (name,) = resolve(bus, args, 3)
            deadline = time.monotonic() + args.timeout
            while True:
                result = plain(call(bus, service, path, PROPS, "Get", ITEM_IFACE, name))
                if matches_condition(result, args):
                    break
                if time.monotonic() > deadline:
                    raise Failure(f"{name} is still {json.dumps(result)} after {args.timeout} s")
                time.sleep(0.2)
        elif args.command == "menu":
            service, path, _ = resolve(bus, args, 2)
            result = get_menu(bus, service, path)
        elif args.command == "click":
            service, path, _ = resolve(bus, args, 2)
            result = click(bus, service, path, label=args.label, ident=args.id)
    except Failure as error:
        sys.exit(f"tray.py {args.command}: {error}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
