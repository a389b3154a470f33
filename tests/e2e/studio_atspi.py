#!/usr/bin/python3
"""End-to-end test of nimbus-studio through its accessibility tree (AT-SPI).

    studio_atspi.py BIN_DIR [SOURCE_DIR]

BIN_DIR holds nimbus-studio, nimbus-lsp and nimbus-sim; SOURCE_DIR is the repository
(default: two folders up from this file), whose examples/python-hello is copied to a
temporary folder and opened. The test drives the real window as a screen-reader user
would: it finds widgets by role and accessible name, selects the "hello" function in
the Functions tree, presses Invoke, and reads the result, its figures and the Output
log back through AT-SPI.

Everything runs on a private X server (Xvfb), session bus and accessibility bus, with
temporary XDG folders, so the user's desktop and settings are not touched. Everything
started here is stopped however the test ends.

Labels whose text AT-SPI cannot read (the Studio names them, and Qt 6.4 then exposes only
the name) are reported as accessibility warnings and their facts checked another way
(the History list, the Output log's REPORT line); NIMBUS_E2E_STRICT=1 makes them failures.
On a failure the relevant part of the accessibility tree is printed and a screenshot saved
in the temporary folder, which is then kept.

Exit codes: 0 pass, 1 fail, 77 skipped (no Xvfb or no pyatspi; one line says why).
Debian's /usr/bin/python3 is the interpreter meant to run it (python3-pyatspi).
"""

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

TOTAL_BUDGET_S = 65          # the waits all end by then; clean-up takes at most ~20 s more
READY_TIMEOUT_S = 30         # the window and its functions list
INVOKE_TIMEOUT_S = 30        # a cold start of the Python runtime included
LOG_TIMEOUT_S = 10           # the REPORT line reaching the Output panel
SCREEN = "1600x1000x24"
# Strict: an accessibility defect of the app (a label whose text AT-SPI cannot read)
# fails the test instead of being reported as a warning and checked another way.
STRICT = os.environ.get("NIMBUS_E2E_STRICT", "") not in ("", "0")

T0 = time.monotonic()


def elapsed():
    return time.monotonic() - T0


def say(message):
    print(f"[{elapsed():6.2f}s] {message}", flush=True)


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(77)


class Failure(Exception):
    """A check failed; the message says what was expected and what was found."""


class Session:
    """Xvfb, a session bus, the accessibility bus and nimbus-studio, all ours to stop.

    Every process started here (and, through inheritance, their children) carries
    NIMBUS_E2E_TAG=<unique id> in its environment: the final sweep stops exactly those,
    whatever happened before it, and nothing else.
    """

    def __init__(self, bin_dir, source_dir):
        self.bin_dir = bin_dir
        self.source_dir = source_dir
        self.tag = uuid.uuid4().hex
        self.tmp = tempfile.mkdtemp(prefix="nimbus-e2e-studio-")
        self.project = os.path.join(self.tmp, "python-hello")
        self.display = None
        self.xvfb = None
        self.dbus_pid = None
        self.atspi = None
        self.studio = None
        self.studio_log = os.path.join(self.tmp, "studio.log")
        self.env = None

    # --- start -----------------------------------------------------------------------

    def prepare(self):
        shutil.copytree(os.path.join(self.source_dir, "examples", "python-hello"), self.project,
                        ignore=shutil.ignore_patterns(".nimbus", "__pycache__"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "AT_SPI", "WAYLAND_", "XDG_", "QT_"))
               and k not in ("DISPLAY", "XAUTHORITY", "SESSION_MANAGER")}
        for name in ("config", "data", "cache", "state", "runtime"):
            path = os.path.join(self.tmp, "xdg", name)
            os.makedirs(path, mode=0o700)
        env.update(XDG_CONFIG_HOME=os.path.join(self.tmp, "xdg", "config"),
                   XDG_DATA_HOME=os.path.join(self.tmp, "xdg", "data"),
                   XDG_CACHE_HOME=os.path.join(self.tmp, "xdg", "cache"),
                   XDG_STATE_HOME=os.path.join(self.tmp, "xdg", "state"),
                   XDG_RUNTIME_DIR=os.path.join(self.tmp, "xdg", "runtime"),
                   HOME=os.environ.get("HOME", self.tmp),
                   NIMBUS_E2E_TAG=self.tag)
        env.pop("NO_AT_BRIDGE", None)  # it would keep the accessibility bridge off
        self.env = env

    def start_xvfb(self):
        for n in range(90, 190):
            if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
                continue
            log = open(os.path.join(self.tmp, f"xvfb-{n}.log"), "wb")
            proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", SCREEN, "-nolisten", "tcp",
                                     "-noreset"], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
            log.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and proc.poll() is None:
                if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    break
                time.sleep(0.05)
            if proc.poll() is None and os.path.exists(f"/tmp/.X11-unix/X{n}"):
                self.xvfb, self.display = proc, f":{n}"
                self.env["DISPLAY"] = self.display
                return
            # Lost a race for that number (or it would not start): next one.
            self._stop_process(proc, "Xvfb", 1)
        raise Failure("no free X display number between :90 and :189 for Xvfb")

    def start_buses(self):
        # The session bus: dbus-launch prints its address and the daemon's pid.
        env = dict(self.env)
        env.pop("DISPLAY", None)  # no X11 autolaunch, no bus address left on the X server
        out = subprocess.run(["dbus-launch", "--sh-syntax"], env=env, capture_output=True,
                             text=True, timeout=10, check=True).stdout
        values = dict(re.findall(r"^(DBUS_SESSION_BUS_\w+)='?([^';\n]*)'?;", out, re.M))
        if "DBUS_SESSION_BUS_ADDRESS" not in values:
            raise Failure(f"dbus-launch printed no bus address: {out!r}")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = values["DBUS_SESSION_BUS_ADDRESS"]
        self.dbus_pid = int(values.get("DBUS_SESSION_BUS_PID", "0")) or None
        # The accessibility bus, registered on that session bus (and on the X server).
        log = open(os.path.join(self.tmp, "at-spi-bus.log"), "wb")
        self.atspi = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"],
                                      stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, env=self.env,
                                      start_new_session=True)
        log.close()
        # This process talks to the same buses; pyatspi is imported only now.
        for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
            os.environ[key] = self.env[key]
        os.environ.pop("AT_SPI_BUS_ADDRESS", None)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(["dbus-send", "--session", "--print-reply",
                                    "--dest=org.a11y.Bus", "/org/a11y/bus",
                                    "org.a11y.Bus.GetAddress"], env=self.env,
                                   capture_output=True, text=True, timeout=5) \
                if shutil.which("dbus-send") else None
            if probe is None or probe.returncode == 0:
                return
            if self.atspi.poll() is not None:
                break
            time.sleep(0.1)
        raise Failure("the accessibility bus (at-spi-bus-launcher) did not come up; see "
                      + os.path.join(self.tmp, "at-spi-bus.log"))

    def start_studio(self):
        env = dict(self.env)
        env.update(QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1",
                   QT_QPA_PLATFORM="xcb", NIMBUS_STUDIO_TRACE="1")
        log = open(self.studio_log, "wb")
        self.studio = subprocess.Popen([os.path.join(self.bin_dir, "nimbus-studio"), self.project],
                                       stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=env, cwd=self.tmp,
                                       start_new_session=True)
        log.close()

    # --- evidence ----------------------------------------------------------------------

    def screenshot(self, name="failure.png"):
        if not self.display or not self.xvfb or self.xvfb.poll() is not None:
            return None
        path = os.path.join(self.tmp, name)
        try:
            subprocess.run(["import", "-window", "root", path], env=self.env, timeout=10,
                           capture_output=True, check=True)
            return path
        except (OSError, subprocess.SubprocessError) as error:
            say(f"could not take a screenshot: {error}")
            return None

    def studio_output(self):
        try:
            with open(self.studio_log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- stop --------------------------------------------------------------------------

    @staticmethod
    def _stop_process(proc, what, grace):
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.terminate()
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            say(f"{what} did not stop on SIGTERM within {grace} s; killing it")
            proc.kill()
            proc.wait(5)

    def tagged_processes(self):
        """Pids of live processes whose environment carries our tag (our whole tree)."""
        marker = f"NIMBUS_E2E_TAG={self.tag}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if marker not in f.read().split(b"\0"):
                        continue
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue  # a zombie: nothing left to stop
            except OSError:
                continue
            found.append(int(entry))
        return found

    def project_processes(self):
        """Pids of live processes run on the temporary project (e.g. its nimbus-sim)."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue
            except OSError:
                continue
            if any(a.startswith(self.tmp.encode()) for a in argv):
                found.append(int(entry))
        return found

    def stop_studio(self, quit_gracefully):
        if self.studio is None or self.studio.poll() is not None:
            return
        if quit_gracefully is not None:
            try:
                quit_gracefully()
                self.studio.wait(6)
                say(f"nimbus-studio quit through File > Quit (exit code {self.studio.returncode})")
                return
            except Exception as error:  # noqa: BLE001 - any failure: fall back to signals
                say(f"File > Quit did not end nimbus-studio ({error}); sending SIGTERM")
        self._stop_process(self.studio, "nimbus-studio", 3)

    def cleanup(self, quit_gracefully=None):
        try:
            self.stop_studio(quit_gracefully)
        except Exception as error:  # noqa: BLE001
            say(f"stopping nimbus-studio: {error}")
        # nimbus-sim stops with the Studio when it quits normally; on a signal it would be
        # left behind, so its state file and the process table are checked too.
        sim_pids = set(self.project_processes())
        try:
            import json
            with open(os.path.join(self.project, ".nimbus", "sim.json")) as f:
                pid = int(json.load(f).get("pid", 0))
            if pid > 0 and pid in self.tagged_processes():
                sim_pids.add(pid)
        except (OSError, ValueError):
            pass
        for pid in sorted(sim_pids):
            say(f"stopping pid {pid} left running on the temporary project")
            _signal(pid, signal.SIGTERM)
        _wait_gone(sim_pids, 3)
        self._stop_process(self.atspi, "at-spi-bus-launcher", 2)
        if self.dbus_pid:
            _signal(self.dbus_pid, signal.SIGTERM)
        self._stop_process(self.xvfb, "Xvfb", 3)
        # Whatever else we started (the a11y bus's daemon, at-spi2-registryd, ...).
        rest = set(self.tagged_processes()) | set(self.project_processes())
        for pid in rest:
            _signal(pid, signal.SIGTERM)
        if rest and not _wait_gone(rest, 3):
            for pid in rest:
                _signal(pid, signal.SIGKILL)
            _wait_gone(rest, 2)
        left = sorted(set(self.tagged_processes()) | set(self.project_processes()))
        if left:
            say(f"WARNING: processes still running after clean-up: {left}")
        return left


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _wait_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


# --- AT-SPI helpers ---------------------------------------------------------------------

pyatspi = None  # imported once the buses are up

# Roles whose children are rows or cells: walked only when looking for a row.
ITEM_CONTAINERS = {"tree", "tree table", "table", "list", "list box"}


def role(acc):
    try:
        return acc.getRoleName()
    except Exception:  # noqa: BLE001 - a widget that went away
        return "?"


def name(acc):
    try:
        return acc.name or ""
    except Exception:  # noqa: BLE001
        return ""


def children(acc):
    try:
        count = acc.childCount
    except Exception:  # noqa: BLE001
        return []
    out = []
    for i in range(count):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:  # noqa: BLE001
            continue
        if child is not None:
            out.append(child)
    return out


def walk(acc, into_items=False, depth=0, max_depth=40):
    """Every accessible under acc, depth first; rows and cells only if into_items."""
    yield acc
    if depth >= max_depth or (not into_items and depth > 0 and role(acc) in ITEM_CONTAINERS):
        return
    for child in children(acc):
        yield from walk(child, into_items, depth + 1, max_depth)


def find(root, want_role, want_name, prefix=False):
    """The first accessible under root with that role and name (or a name starting with
    want_name followed by ':' when prefix: a label whose name carries its text)."""
    for acc in walk(root):
        if role(acc) != want_role:
            continue
        n = name(acc)
        if n == want_name or (prefix and n.startswith(want_name + ":")):
            return acc
    return None


def text_of(acc):
    """What a screen reader reads as the widget's content: its Text, else its name."""
    try:
        text = acc.queryText()
        return text.getText(0, text.characterCount)
    except NotImplementedError:
        return name(acc)
    except Exception:  # noqa: BLE001
        return name(acc)


def label_content(acc, static_name):
    """What AT-SPI tells of a label's text: (content, exposed). A label given a fixed
    accessible name may expose nothing but that name (Qt 6.4: no Text interface on
    labels, and the name replaces the text); then exposed is False."""
    parts = []
    try:
        text = acc.queryText()
        parts.append(text.getText(0, text.characterCount))
    except Exception:  # noqa: BLE001 - NotImplementedError: no Text interface
        pass
    parts.append(name(acc))
    try:
        parts.append(acc.description or "")
    except Exception:  # noqa: BLE001
        pass
    content = " | ".join(p for p in parts if p and p != static_name)
    return content, bool(content)


def refresh(acc):
    try:
        acc.clearCache()
    except Exception:  # noqa: BLE001
        pass


def states(acc):
    try:
        s = acc.getState()
        return {pyatspi.stateToString(x) for x in s.getStates()}
    except Exception:  # noqa: BLE001
        return set()


def actions(acc):
    try:
        a = acc.queryAction()
    except Exception:  # noqa: BLE001
        return None, []
    return a, [a.getName(i) for i in range(a.nActions)]


def extents(acc):
    c = acc.queryComponent()
    e = c.getExtents(pyatspi.DESKTOP_COORDS)
    return e.x, e.y, e.width, e.height


def describe(acc, depth=0, max_depth=12, max_items=40, lines=None):
    """An indented dump of acc's subtree: role, name, text and states, for a failure."""
    if lines is None:
        lines = []
    r = role(acc)
    n = name(acc)
    line = f"{'  ' * depth}[{r}] {n!r}"
    if r in ("label", "text", "push button", "combo box"):
        t = text_of(acc)
        if t != n:
            line += f" text={t[:200]!r}"
    s = states(acc) & {"selected", "focused", "showing", "enabled", "checked"}
    if r in ("push button", "table cell", "list item") and s:
        line += f" states={sorted(s)}"
    lines.append(line)
    if depth < max_depth:
        kids = children(acc)
        shown = kids if r not in ITEM_CONTAINERS else kids[:max_items]
        for child in shown:
            describe(child, depth + 1, max_depth, max_items, lines)
        if len(shown) < len(kids):
            lines.append(f"{'  ' * (depth + 1)}... {len(kids) - len(shown)} more")
    return lines


def wait_for(what, timeout, probe, interval=0.1):
    """probe() until it returns something truthy; Failure after timeout seconds."""
    deadline = time.monotonic() + min(timeout, max(1.0, TOTAL_BUDGET_S - elapsed()))
    last = None
    while True:
        try:
            last = probe()
        except Exception as error:  # noqa: BLE001 - the tree changes under us
            last = None
            error_text = str(error)
        else:
            error_text = ""
        if last:
            return last
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}"
                          + (f" (last error: {error_text})" if error_text else ""))
        time.sleep(interval)


# --- the test ---------------------------------------------------------------------------

class StudioTest:
    def __init__(self, session):
        self.s = session
        self.app = None
        self.frame = None
        self.context = []  # accessibles to dump on failure
        self.defects = []  # accessibility defects seen (warnings unless STRICT)
        self.greeting = None
        self.history_before = 0

    def find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for app in children(desktop):
            try:
                pid = app.get_process_id()
            except Exception:  # noqa: BLE001
                pid = None
            if pid == self.s.studio.pid or name(app) == "nimbus-studio":
                return app
        return None

    def applications(self):
        desktop = pyatspi.Registry.getDesktop(0)
        out = []
        for app in children(desktop):
            try:
                out.append(f"{name(app)!r} (pid {app.get_process_id()})")
            except Exception:  # noqa: BLE001
                out.append(repr(name(app)))
        return out

    def studio_alive(self):
        if self.s.studio.poll() is not None:
            raise Failure(f"nimbus-studio exited with code {self.s.studio.returncode}; "
                          f"its output:\n{self.s.studio_output()}")

    def step_window(self):
        say("waiting for nimbus-studio on the accessibility bus")

        def probe():
            self.studio_alive()
            return self.find_app()

        try:
            self.app = wait_for("the nimbus-studio application in the AT-SPI desktop",
                                READY_TIMEOUT_S, probe, 0.2)
        except Failure as failure:
            raise Failure(f"{failure}; applications on the bus: {self.applications()}")
        say(f"found application {name(self.app)!r} (pid {self.s.studio.pid})")
        self.frame = wait_for("its main frame", 10,
                              lambda: next((c for c in children(self.app) if role(c) == "frame"), None))
        say(f"main frame: {name(self.frame)!r}")

    def step_functions(self):
        say("waiting for the Functions tree to list 'hello'")
        self.context = [("Functions tree", lambda: find(self.frame, "tree", "Functions"))]

        def probe():
            self.studio_alive()
            tree = find(self.frame, "tree", "Functions")
            if tree is None:
                return None
            refresh(tree)
            for index, cell in enumerate(children(tree)):
                if name(cell) == "hello":
                    return tree, index, cell
            return None

        tree, index, cell = wait_for("a 'hello' row in the tree named 'Functions'",
                                     READY_TIMEOUT_S, probe, 0.2)
        rows = [name(c) for c in children(tree) if role(c) == "table cell"]
        say(f"Functions tree cells: {rows}")
        return tree, index, cell

    def step_select(self, tree, index, cell):
        say("selecting 'hello' in the Functions tree")
        # Through AT-SPI first, as a screen reader does: the tree's Selection interface
        # if it has one (Qt 6.4's trees do not), else its Table interface's row
        # selection, else the cell's own "Toggle" action.
        def selected():
            refresh(cell)
            return "selected" in states(cell)

        attempts = []
        try:
            selection = tree.querySelection()
            attempts.append((f"Selection.selectChild({index})",
                             lambda: selection.selectChild(index)))
        except NotImplementedError:
            pass
        try:
            table = tree.queryTable()
            row = next((r for r in range(table.nRows)
                        if name(table.getAccessibleAt(r, 0)) == "hello"), None)
            if row is not None:
                attempts.append((f"Table.addRowSelection({row})",
                                 lambda: table.addRowSelection(row)))
        except NotImplementedError:
            pass
        action, names = actions(cell)
        if "Toggle" in names:
            attempts.append(("the cell's action 'Toggle'",
                             lambda: action.doAction(names.index("Toggle"))))
        for how, attempt in attempts:
            if selected():
                break
            try:
                answer = attempt()
            except Exception as error:  # noqa: BLE001 - try the next way
                say(f"  {how}: {error}")
                continue
            try:
                wait_for("the 'hello' row to be selected", 1.5, selected)
                say(f"  selected through {how}")
            except Failure:
                say(f"  {how} answered {answer!r} but did not select the row")
        if not attempts:
            say(f"  no AT-SPI way to select the row (interfaces {cell.get_interfaces()})")
        # The Invoke panel follows a click in the tree (QTreeView::clicked), so the row
        # is clicked too, at its on-screen extents.
        x, y, w, h = extents(cell)
        cx, cy = x + max(1, w // 2), y + max(1, h // 2)
        subprocess.run(["xdotool", "mousemove", "--sync", str(cx), str(cy), "click", "1"],
                       env=self.s.env, timeout=10, check=True)
        say(f"  clicked the 'hello' row at ({cx}, {cy}) (extents {x},{y} {w}x{h})")

        def probe():
            refresh(cell)
            return "selected" in states(cell)

        wait_for("the 'hello' row to be selected", 5, probe)
        say("  the 'hello' row is selected")

    def invoke_panel(self):
        """The Invoke panel: the filler named 'Invoke' holding an 'Invoke' push button."""
        for acc in walk(self.frame):
            if role(acc) == "filler" and name(acc) == "Invoke" and \
                    find(acc, "push button", "Invoke") is not None:
                return acc
        return None

    def step_invoke(self):
        say("finding the Invoke panel and its 'Invoke' button")
        panel = wait_for("the Invoke panel (a filler named 'Invoke' with an 'Invoke' button)", 5,
                         self.invoke_panel)
        self.context = [("Invoke panel", self.invoke_panel)]
        # The function the panel will run: the combo box labelled "Function:" (on Linux,
        # Qt names a combo box by its current text and links its label by relation).
        combo = self.function_combo(panel)
        if combo is None:
            raise Failure("no combo box labelled 'Function:' in the Invoke panel")
        try:
            wait_for("the Invoke panel's function to be 'hello'", 5,
                     lambda: (refresh(combo), name(combo) == "hello")[1])
        except Failure as failure:
            raise Failure(f"{failure}; it reads {name(combo)!r}")
        say(f"  Invoke panel function: {name(combo)!r}")
        self.greeting = self.expected_greeting(panel)
        history = find(panel, "list", "History")
        self.history_before = len(children(history)) if history is not None else 0
        button = find(panel, "push button", "Invoke")
        wait_for("the Invoke button to be enabled", 10,
                 lambda: (refresh(button), "enabled" in states(button))[1])
        action, names = actions(button)
        if action is None or not names:
            raise Failure(f"the Invoke button offers no AT-SPI action (actions: {names})")
        press = next((i for i, n in enumerate(names) if n.lower() in ("press", "click")), 0)
        say(f"pressing 'Invoke' with its AT-SPI action {names[press]!r} (actions: {names})")
        if not action.doAction(press):
            raise Failure(f"doAction({names[press]!r}) on the Invoke button returned false")
        return panel

    @staticmethod
    def function_combo(panel):
        combos = [c for c in children(panel) if role(c) == "combo box"]
        for combo in combos:
            try:
                for relation in combo.getRelationSet():
                    for k in range(relation.getNTargets()):
                        if name(relation.getTarget(k)).replace("&", "") == "Function:":
                            return combo
            except Exception:  # noqa: BLE001
                pass
        return combos[0] if combos else None

    def expected_greeting(self, panel):
        """The greeting handler.hello returns for the event in the Event JSON editor."""
        editor = find(panel, "text", "Event JSON")
        event_text = text_of(editor).strip() if editor is not None else ""
        try:
            event = json.loads(event_text or "{}")
        except ValueError:
            event = {}
        if not isinstance(event, dict):
            event = {}
        params = event.get("queryStringParameters") or {}
        who = event.get("name") or params.get("name") or "world"
        say(f"  the event is {event_text!r}: expecting the greeting 'Hello, {who}!'")
        return f"Hello, {who}!"

    def history_row(self, panel):
        """The newest row of the History list (the panel's record of invocations)."""
        history = find(panel, "list", "History")
        if history is None:
            return None
        refresh(history)
        rows = children(history)
        # Newest first; only a row added since Invoke was pressed counts.
        return text_of(rows[0]) if len(rows) > self.history_before else None

    def step_result(self, panel, greeting):
        say("waiting for 'Result status' to report success")
        status = find(panel, "label", "Result status", prefix=True)
        if status is None:
            raise Failure("no label named 'Result status' in the Invoke panel")
        seen = []
        hidden = []

        def probe():
            self.studio_alive()
            refresh(status)
            text, exposed = label_content(status, "Result status")
            row = self.history_row(panel)
            note = (text if exposed else "(nothing but its name)", row)
            if not seen or seen[-1] != note:
                seen.append(note)
                say(f"  Result status: {note[0]!r}; newest History row: {row!r}")
            if exposed:
                if "failed" in text or "could not be invoked" in text:
                    raise Failure(f"the invocation did not succeed: {text!r}")
                return "succeeded" in text
            # The label's text is not exposed: the History row tells the outcome.
            if not hidden:
                hidden.append(True)
            if row and re.search(r"\bhello\b", row):
                if "ok" not in row.split():
                    raise Failure(f"the invocation did not succeed: History row {row!r}")
                return True
            return False

        try:
            wait_for("'Result status' to contain 'succeeded'", INVOKE_TIMEOUT_S, probe, 0.2)
        except Failure as failure:
            result = find(panel, "text", "Result")
            raise Failure(f"{failure}\n  seen: {seen}\n  Result text: "
                          f"{text_of(result) if result else None!r}")
        if hidden:
            self.defect("the label 'Result status' (app/studio/panels/invokepanel.cpp, m_status) "
                        "exposes only its accessible name through AT-SPI, never its text "
                        "('Result: hello succeeded'); success was read from the History list "
                        "instead")
        else:
            say("  Result status reports success")

        result = find(panel, "text", "Result")
        if result is None:
            raise Failure("no text named 'Result' in the Invoke panel")
        refresh(result)
        result_text = text_of(result)
        say(f"  Result text: {result_text[:160]!r}...")
        if greeting not in result_text:
            raise Failure(f"the Result text lacks the handler's greeting {greeting!r}: "
                          f"{result_text!r}")
        if '"statusCode": 200' not in result_text:
            raise Failure(f"the Result text lacks '\"statusCode\": 200': {result_text!r}")
        say(f"  Result holds the greeting {greeting!r} and statusCode 200")

        figures = find(panel, "label", "Figures", prefix=True)
        if figures is None:
            raise Failure("no label named 'Figures' in the Invoke panel")
        refresh(figures)
        figures_text, exposed = label_content(figures, "Figures")
        if exposed:
            say(f"  Figures: {figures_text!r}")
            for part in ("Duration:", "Max Memory Used"):
                if part not in figures_text:
                    raise Failure(f"the Figures label lacks {part!r}: {figures_text!r}")
            return False
        self.defect("the label 'Figures' (app/studio/panels/invokepanel.cpp, m_figures) exposes "
                    "only its accessible name through AT-SPI, never its text ('Duration: … · "
                    "Max Memory Used: …'); the same figures are checked on the Output log's "
                    "REPORT line instead")
        return True

    def defect(self, message):
        """An accessibility defect of the app: fatal in strict mode, else a warning."""
        if STRICT:
            raise Failure(f"accessibility defect: {message}")
        self.defects.append(message)
        say(f"  WARNING (app accessibility defect): {message}")

    def output_log(self):
        for acc in walk(self.frame):
            if role(acc) == "filler" and name(acc) == "Output":
                log = find(acc, "list", "Log")
                if log is not None:
                    return log
        return find(self.frame, "list", "Log")

    def step_log(self, figures_from_report):
        say("checking the Output panel's Log for the REPORT line")
        self.context = [("Output panel's Log", self.output_log)]
        log = wait_for("the list named 'Log'", 5, self.output_log)

        def probe():
            refresh(log)
            for item in children(log):
                text = name(item) or text_of(item)
                if "REPORT RequestId" in text:
                    return text
            return None

        line = wait_for("a Log row containing 'REPORT RequestId'", LOG_TIMEOUT_S, probe, 0.2)
        say(f"  Log row: {line!r}")
        if "[hello]" not in line:
            raise Failure(f"the REPORT row is not hello's: {line!r}")
        if figures_from_report:
            for part in ("Duration:", "Max Memory Used"):
                if part not in line:
                    raise Failure(f"the REPORT row lacks {part!r}: {line!r}")
            say("  the REPORT row holds 'Duration:' and 'Max Memory Used'")

    def dump_context(self):
        print("---- accessibility tree at the failure ----", flush=True)
        dumped = False
        for label, getter in self.context:
            try:
                acc = getter()
            except Exception:  # noqa: BLE001
                acc = None
            print(f"{label}:", flush=True)
            if acc is None:
                print("  (not found)", flush=True)
                continue
            print("\n".join(describe(acc, 1)), flush=True)
            dumped = True
        if not dumped and self.frame is not None:
            print("main frame (widgets only):", flush=True)
            print("\n".join(describe(self.frame, 1, max_depth=8, max_items=6)), flush=True)
        elif self.app is None:
            print(f"applications on the bus: {self.applications()}", flush=True)
        print("---- end of tree ----", flush=True)

    def quit(self):
        """File > Quit through its menu item's action, as a keyboard user would."""
        if self.frame is None:
            raise RuntimeError("no window to quit")
        bar = next((c for c in children(self.frame) if role(c) == "menu bar"), None)
        item = None
        if bar is not None:
            for menu in children(bar):
                if name(menu) == "File":
                    item = find(menu, "menu item", "Quit")
        if item is None:
            raise RuntimeError("no File > Quit menu item")
        action, names = actions(item)
        if action is None or not names:
            raise RuntimeError("the Quit menu item has no action")
        action.doAction(0)

    def run(self):
        self.step_window()
        tree, index, cell = self.step_functions()
        self.step_select(tree, index, cell)
        panel = self.step_invoke()
        figures_from_report = self.step_result(panel, self.greeting)
        self.step_log(figures_from_report)


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bin_dir = os.path.abspath(sys.argv[1])
    source_dir = os.path.abspath(sys.argv[2] if len(sys.argv) > 2
                                 else os.path.join(os.path.dirname(__file__), "..", ".."))
    if shutil.which("Xvfb") is None:
        skip("Xvfb is not installed (Debian: xvfb)")
    if importlib.util.find_spec("pyatspi") is None:
        skip(f"pyatspi is not importable by {sys.executable} (Debian: python3-pyatspi)")
    for tool in ("dbus-launch", "xdotool"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed")
    if not os.path.exists("/usr/libexec/at-spi-bus-launcher"):
        skip("/usr/libexec/at-spi-bus-launcher is missing (Debian: at-spi2-core)")
    studio = os.path.join(bin_dir, "nimbus-studio")
    for program in ("nimbus-studio", "nimbus-lsp", "nimbus-sim"):
        if not os.access(os.path.join(bin_dir, program), os.X_OK):
            print(f"FAIL: {os.path.join(bin_dir, program)} is not an executable", flush=True)
            return 1

    session = Session(bin_dir, source_dir)
    test = None
    failed = True
    left = []
    try:
        session.prepare()
        say(f"temporary folder: {session.tmp}")
        session.start_xvfb()
        say(f"Xvfb on {session.display} (pid {session.xvfb.pid})")
        session.start_buses()
        say(f"session bus pid {session.dbus_pid}, at-spi-bus-launcher pid {session.atspi.pid}")
        global pyatspi
        import pyatspi as _pyatspi  # noqa: E402 - only once DISPLAY and the bus are ours
        pyatspi = _pyatspi
        session.start_studio()
        say(f"started {studio} {session.project} (pid {session.studio.pid})")
        test = StudioTest(session)
        test.run()
        failed = False
        if test.defects:
            say(f"PASS with {len(test.defects)} accessibility warning(s) (NIMBUS_E2E_STRICT=1 "
                "makes them failures):")
            for defect in test.defects:
                say(f"  - {defect}")
        else:
            say("PASS: invoked 'hello' from the Studio and read its result through AT-SPI")
    except Failure as failure:
        say(f"FAIL: {failure}")
    except Exception as error:  # noqa: BLE001 - an unexpected error is a failure too
        import traceback
        traceback.print_exc()
        say(f"FAIL: unexpected {type(error).__name__}: {error}")
    finally:
        if failed:
            if test is not None:
                try:
                    test.dump_context()
                except Exception as error:  # noqa: BLE001
                    say(f"could not dump the accessibility tree: {error}")
            shot = session.screenshot()
            if shot:
                say(f"screenshot: {shot}")
            output = session.studio_output().strip()
            if output:
                print(f"---- nimbus-studio output ----\n{output}\n---- end ----", flush=True)
        left = session.cleanup(test.quit if test is not None and test.frame is not None else None)
        if not failed and not left:
            shutil.rmtree(session.tmp, ignore_errors=True)
        else:
            say(f"kept {session.tmp} for inspection")
        say(f"cleaned up (total {elapsed():.1f} s)")
    if left:
        print(f"FAIL: processes left running: {left}", flush=True)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
