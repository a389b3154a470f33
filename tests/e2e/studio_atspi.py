#!/usr/bin/python3
"""End-to-end test of nimbus-studio through its accessibility tree (AT-SPI).

    studio_atspi.py BIN_DIR [SOURCE_DIR]

BIN_DIR holds nimbus-studio, nimbus-lsp, nimbus-sim and nimbus-dap; SOURCE_DIR is the
repository (default: two folders up), whose examples/python-hello is copied to a temporary
folder and opened. The test uses the window as a screen reader does, by role and accessible
name only, and types keys as a keyboard user does (xdotool, into the focused window):

  1. the status bar reads "Simulator: running · http://…" and "Language server: ready";
  2. selecting "fail", then "hello", in the Explorer's Functions tree (AT-SPI Table
     selection) makes the Invoke panel's Function combo box read the same function;
  3. pressing Invoke (its AT-SPI action) makes the status label read "Result: hello
     succeeded", the Result text hold the greeting and statusCode 200, and the figures label
     read "Duration: … Billed Duration: … Max Memory Used: … MB of 256 MB";
  4. the Output panel's Log lists hello's REPORT line, with its figures and no tab;
  5. Ctrl+P, "handler.py", Enter opens handler.py; Ctrl+Home and Down move the cursor to
     hello's `name = …` line (the editor's caret reads it) and F9 puts "handler.py:<line>"
     in Run and Debug's Breakpoints table;
  6. with hello selected, F5 stops there: the Call Stack's top row reads "hello
     handler.py:<line>" and the Variables tree lists event; F10 moves that row's line on;
     `name` typed into the Debug Console's Evaluate line (Enter) answers the event's name in
     Debug output; F5 runs on, and Debug output shows "Result:" and the REPORT line;
  7. with the project deployed (`nimbus deploy`), the Deployed Functions panel (opened from
     the command palette) lists python-hello-dev-hello; with its row selected, Publish
     Version and the dialog's Publish publish version 1, and again (after a change and a
     deploy) version 2; Alias, a name, "Split traffic" and the slider set to 10 (its AT-SPI
     Value, as a screen reader sets it) create the alias "live" at 90 % v1 / 10 % v2, which
     the panel's status line and `nimbus functions --json` both report;
  8. after `nimbus invoke fail` fails in a terminal, the Traces panel (opened from the command
     palette) lists the trace "Invoke hello" of step 3, and the Failures panel lists the
     failure "ValueError: this function always fails";
  9. SIGTERM closes the Studio with exit code 0, and its servers stop with it.

It runs on a private Xvfb, session bus and accessibility bus with temporary XDG folders, so
the user's desktop and settings are not touched; everything started here carries a unique
NIMBUS_E2E_TAG in its environment, and is stopped however the test ends (SIGINT and SIGTERM
included; if the test is killed, the kernel sends what it started SIGTERM). On a failure the
relevant part of the accessibility tree, a screenshot (if ImageMagick's import is there) and
the Studio's output are kept in the temporary folder.

Exit codes: 0 pass, 1 fail, 77 skipped (no Xvfb, dbus-daemon, xdotool, at-spi2-core or
pyatspi).
Run it with Debian's /usr/bin/python3 (python3-pyatspi).
"""

import ctypes
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

ATSPI_BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
SCREEN = "1600x1000x24"
READY_S = 30    # the window, its functions, the simulator and the language server
FOLLOW_S = 5    # the Invoke panel following the Explorer's selection
INVOKE_S = 30   # a cold start of the Python runtime included
LOG_S = 10      # the REPORT line reaching the Output panel
KEYS_S = 5      # what a key changes (Quick Open, the cursor, a breakpoint) showing
DEBUG_S = 30    # nimbus-dap and a debug instance of the function starting, to the breakpoint
STEP_S = 10     # a step, an evaluation, the run to the end
DEPLOY_S = 30   # a deploy, a publish, an alias through the control plane
QUIT_S = 10     # the Studio closing on SIGTERM, its servers stopping
BREAK_AT = 'name = event.get("name") or params.get("name") or "world"'  # in handler.py's hello

T0 = time.monotonic()
pyatspi = None  # imported once DISPLAY and the session bus are ours


def say(message):
    print(f"[{time.monotonic() - T0:6.2f}s] {message}", flush=True)


class Failure(Exception):
    """A check failed; the message says what was expected and what was found."""


# --- processes ------------------------------------------------------------------------

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def processes():
    """Live processes: {pid: (parent pid, command line, environment)}."""
    table = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if fields[0] != b"Z":
            table[int(entry)] = (int(fields[1]), cmd, environ)
    return table


def wait_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def die_with_parent():
    """For a child process: SIGTERM when this test dies, even by SIGKILL (a CTest timeout)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def kill(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class Session:
    """Xvfb, a session bus, the accessibility bus and nimbus-studio on a copy of the project."""

    def __init__(self, bin_dir, source_dir):
        self.bin_dir = bin_dir
        self.tag = f"NIMBUS_E2E_TAG={uuid.uuid4().hex}".encode()
        self.tmp = tempfile.mkdtemp(prefix="nimbus-e2e-studio-")
        self.source_dir = source_dir
        self.project = os.path.join(self.tmp, "python-hello")
        self.started = []  # the processes started here (their children are found by tag)
        self.studio = None
        self.studio_log = os.path.join(self.tmp, "studio.log")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("DBUS_", "AT_SPI", "WAYLAND_", "XDG_", "QT_"))
                    and k not in ("DISPLAY", "XAUTHORITY", "SESSION_MANAGER", "NO_AT_BRIDGE")}
        for kind in ("config", "data", "cache", "state", "runtime"):
            path = os.path.join(self.tmp, "xdg", kind)
            os.makedirs(path, mode=0o700)
            self.env[f"XDG_{kind.upper()}_{'DIR' if kind == 'runtime' else 'HOME'}"] = path
        self.env["NIMBUS_E2E_TAG"] = self.tag.split(b"=", 1)[1].decode()

    def spawn(self, argv, log, pass_fds=(), **extra_env):
        with open(os.path.join(self.tmp, log), "wb") as out:
            self.started.append(subprocess.Popen(
                argv, env={**self.env, **extra_env}, cwd=self.tmp, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, pass_fds=pass_fds,
                start_new_session=True, preexec_fn=die_with_parent))
        return self.started[-1]

    def serve(self, argv, log):
        """Start a server that writes one line (its display, its address) to the file
        descriptor given as {fd} once it serves; that line."""
        read_end, write_end = os.pipe()
        self.spawn([a.replace("{fd}", str(write_end)) for a in argv], log, (write_end,))
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            line = pipe.readline().strip() if select.select([pipe], [], [], 10)[0] else ""
        if not line:
            raise Failure(f"{argv[0]} did not start; see {os.path.join(self.tmp, log)}")
        return line

    def start(self):
        shutil.copytree(os.path.join(self.source_dir, "examples", "python-hello"), self.project,
                        ignore=shutil.ignore_patterns(".nimbus", "__pycache__"))
        # Xvfb picks a free display (-noreset: it would refuse a client connecting while it
        # resets after its last one left); a session bus of our own for the accessibility bus.
        self.env["DISPLAY"] = ":" + self.serve(
            ["Xvfb", "-displayfd", "{fd}", "-screen", "0", SCREEN, "-nolisten", "tcp",
             "-noreset"], "xvfb.log")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.serve(
            ["dbus-daemon", "--session", "--nofork", "--print-address={fd}"], "dbus.log")
        self.spawn([ATSPI_BUS_LAUNCHER, "--launch-immediately"], "at-spi-bus.log")
        say(f"Xvfb on {self.env['DISPLAY']}, session bus {self.env['DBUS_SESSION_BUS_ADDRESS']}")
        # This process reads the same accessibility bus.
        for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
            os.environ[key] = self.env[key]
        os.environ.pop("AT_SPI_BUS_ADDRESS", None)
        self.studio = self.spawn([os.path.join(self.bin_dir, "nimbus-studio"), self.project],
                                 "studio.log", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
                                 QT_QPA_PLATFORM="xcb")
        say(f"started nimbus-studio {self.project} (pid {self.studio.pid})")

    def check_studio(self):
        if self.studio.poll() is not None:
            raise Failure(f"nimbus-studio exited with code {self.studio.returncode}")

    def ours(self):
        """Live processes started here, or by them: {pid: command line}. They carry the
        tag, or (function instances get an environment of their own) name the project."""
        return {pid: cmd for pid, (_, cmd, environ) in processes().items()
                if pid != os.getpid() and (self.tag in environ.split(b"\0")
                                           or self.tmp.encode() in environ + cmd.encode())}

    def quit_studio(self):
        """SIGTERM, as a session ending: the Studio exits with 0 and its servers with it."""
        table = processes()
        servers, grown = {}, True
        while grown:  # the Studio's descendants: nimbus-lsp, nimbus-sim, function instances
            found = {pid: cmd for pid, (ppid, cmd, _) in table.items()
                     if ppid == self.studio.pid or ppid in servers}
            grown, servers = len(found) > len(servers), found
        say(f"sending SIGTERM to nimbus-studio; its servers: {sorted(servers.values())}")
        self.studio.terminate()
        try:
            code = self.studio.wait(QUIT_S)
        except subprocess.TimeoutExpired:
            raise Failure(f"nimbus-studio did not exit within {QUIT_S} s of SIGTERM") from None
        if code != 0:
            raise Failure(f"nimbus-studio exited with code {code} on SIGTERM")
        if not wait_gone(servers, QUIT_S):
            left = {pid: cmd for pid, cmd in servers.items() if alive(pid)}
            raise Failure(f"still running {QUIT_S} s after nimbus-studio exited: {left}")
        say("nimbus-studio exited with 0 on SIGTERM, and its servers stopped")

    def screenshot(self):
        path = os.path.join(self.tmp, "failure.png")
        if shutil.which("import") and subprocess.run(
                ["import", "-window", "root", path], env=self.env, timeout=10,
                capture_output=True).returncode == 0:
            return path
        return None

    def cleanup(self):
        """Stop everything still running that was started here; what is left (a list)."""
        if self.studio is not None and self.studio.poll() is None:
            self.studio.terminate()
            try:
                self.studio.wait(QUIT_S)
            except subprocess.TimeoutExpired:
                say("nimbus-studio ignored SIGTERM; killing it")
        for sig, grace in ((signal.SIGTERM, 3), (signal.SIGKILL, 2)):
            pids = self.ours()
            kill(pids, sig)
            wait_gone(pids, grace)
        for proc in self.started:
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                pass
        return sorted(self.ours().items())


# --- AT-SPI ---------------------------------------------------------------------------

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
        acc.clearCache()
        return [c for c in (acc.getChildAtIndex(i) for i in range(acc.childCount)) if c]
    except Exception:  # noqa: BLE001
        return []


def walk(acc, depth=0):
    """acc and everything under it, depth first; not into the rows of item views."""
    yield acc
    if depth == 0 or role(acc) not in ("tree", "table", "list"):
        for child in children(acc):
            yield from walk(child, depth + 1)


def find(root, want_role, match):
    """The first accessible under root of that role whose name matches (a string: equal,
    or a function of the name)."""
    test = match if callable(match) else (lambda n: n == match)
    return next((a for a in walk(root) if role(a) == want_role and test(name(a))), None)


def find_view(root, wanted):
    """The item view under root with this name, whatever kind Qt makes it (a tree, a table,
    a list)."""
    return next((a for a in walk(root) if name(a) == wanted and
                 role(a) in ("tree", "tree table", "table", "list")), None)


def text_of(acc):
    text = acc.queryText()
    return text.getText(0, text.characterCount)


def focused(acc):
    try:
        return acc.getState().contains(pyatspi.STATE_FOCUSED)
    except Exception:  # noqa: BLE001
        return False


def describe(acc, depth=0, lines=None):
    """An indented dump of acc's subtree (20 rows per item view at most), for a failure."""
    lines = [] if lines is None else lines
    line = f"{'  ' * depth}[{role(acc)}] {name(acc)!r}"
    if role(acc) == "text":
        try:
            line += f" text={text_of(acc)[:200]!r}"
        except Exception:  # noqa: BLE001
            pass
    lines.append(line)
    kids = children(acc)
    for child in kids[:20] if role(acc) in ("tree", "table", "list") else kids:
        describe(child, depth + 1, lines)
    return lines


def wait_for(what, timeout, probe, interval=0.1):
    """probe() until it returns something truthy; Failure after timeout seconds. A
    Failure raised by probe ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = probe()
        except Failure:
            raise
        except Exception as error:  # noqa: BLE001 - the tree changes under us
            result, last_error = None, error
        else:
            last_error = None
        if result:
            return result
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}"
                          + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


# --- the test -------------------------------------------------------------------------

class StudioTest:
    def __init__(self, session):
        self.s = session
        self.frame = None
        self.focus = None  # the accessible a failure's dump shows
        self.breakpoint = None  # its line in handler.py, from 1

    def probe(self, getter):
        """A wait_for probe that also fails at once if the Studio has exited."""
        def run():
            self.s.check_studio()
            return getter()
        return run

    def panel(self, title):
        """A dock's panel: the filler named title inside the frame named title."""
        for dock in children(self.frame):
            if role(dock) == "frame" and name(dock) == title:
                return find(dock, "filler", title)
        return None

    def step_window(self):
        def studio():
            for app in children(pyatspi.Registry.getDesktop(0)):
                if name(app) == "nimbus-studio":
                    return next((c for c in children(app) if role(c) == "frame"
                                 and name(c) == "Nimbus Studio"), None)
            return None

        self.frame = wait_for("the application 'nimbus-studio' with its frame 'Nimbus Studio' "
                              "on the accessibility bus", READY_S, self.probe(studio), 0.2)
        self.focus = self.frame
        say("found the application 'nimbus-studio' and its frame 'Nimbus Studio'")

    def step_status_bar(self):
        bar = find(self.frame, "status bar", lambda n: True)
        self.focus = bar
        for prefix in ("Simulator: running · http://", "Language server: ready"):
            wait_for(f"a status bar label reading {prefix!r}", READY_S, self.probe(
                lambda: find(bar, "label", lambda n: n.startswith(prefix))), 0.2)
        say(f"status bar: {[name(c) for c in children(bar) if role(c) == 'label']}")

    def step_follow(self):
        explorer = wait_for("the Explorer panel", READY_S, self.probe(
            lambda: self.panel("Explorer")))
        tree = find(explorer, "tree", "Functions")
        self.focus = tree
        table = tree.queryTable()

        def row_of(function):
            rows = [name(table.getAccessibleAt(r, 0)) for r in range(table.nRows)]
            return rows.index(function) if function in rows else None

        wait_for("the Functions tree to list 'hello' and 'fail'", READY_S,
                 self.probe(lambda: row_of("hello") is not None and row_of("fail") is not None),
                 0.2)
        invoke = wait_for("the Invoke panel", READY_S, self.probe(lambda: self.panel("Invoke")))
        combo = self.function_combo(invoke)
        self.focus = invoke
        for function in ("fail", "hello"):
            row = row_of(function)
            if not table.addRowSelection(row):
                raise Failure(f"Table.addRowSelection({row}) for {function!r} was refused")
            wait_for(f"the row {function!r} to be selected", FOLLOW_S,
                     lambda: table.isRowSelected(row))
            try:
                wait_for(f"the Invoke panel's Function combo box to read {function!r}", FOLLOW_S,
                         lambda: name(combo) == function)
            except Failure as failure:
                raise Failure(f"{failure}: the row {function!r} is selected in the Functions "
                              f"tree, but the combo box still reads {name(combo)!r}") from None
            say(f"selected {function!r} in the Functions tree; the Invoke panel's "
                f"Function combo box reads {name(combo)!r}")

    @staticmethod
    def function_combo(panel):
        """The combo box labelled 'Function:' (Qt links a form's label to its field by
        relation, and names a combo box by its current text)."""
        for combo in children(panel):
            if role(combo) != "combo box":
                continue
            for relation in combo.getRelationSet():
                targets = (relation.getTarget(k) for k in range(relation.getNTargets()))
                if any(name(t).replace("&", "") == "Function:" for t in targets):
                    return combo
        raise Failure("no combo box labelled 'Function:' in the Invoke panel")

    def step_invoke(self):
        panel = self.panel("Invoke")
        self.focus = panel
        event = json.loads(text_of(find(panel, "text", "Event JSON")).strip() or "{}")
        greeting = f"Hello, {event.get('name') or 'world'}!"
        button = find(panel, "push button", "Invoke")
        wait_for("the Invoke button to be enabled", FOLLOW_S, lambda: button.getState().contains(
            pyatspi.STATE_ENABLED))
        action = button.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        if "Press" not in names or not action.doAction(names.index("Press")):
            raise Failure(f"the Invoke button's action 'Press' failed (actions: {names})")
        say(f"pressed Invoke for the event {event}; expecting {greeting!r}")

        def outcome():
            status = find(panel, "label", lambda n: n.startswith("Result:"))
            text = name(status) if status else ""
            if "failed" in text or "could not be invoked" in text:
                raise Failure(f"the invocation did not succeed: {text!r}")
            return text == "Result: hello succeeded" and status

        status = wait_for("a label reading 'Result: hello succeeded'", INVOKE_S,
                          self.probe(outcome), 0.2)
        say(f"status label: {name(status)!r}")
        result = text_of(find(panel, "text", "Result"))
        for part in (greeting, '"statusCode": 200'):
            if part not in result:
                raise Failure(f"the Result text lacks {part!r}: {result!r}")
        say(f"the Result text holds {greeting!r} and '\"statusCode\": 200'")
        figures = name(find(panel, "label", lambda n: "Duration:" in n))
        say(f"figures label: {figures!r}")
        pattern = (r"^Duration: [\d.]+ ms   ·   Billed Duration: \d+ ms   ·   Init Duration: "
                   r".+   ·   Max Memory Used: \d+ MB of 256 MB$")
        if not re.match(pattern, figures):
            raise Failure(f"the figures label does not match {pattern!r}: {figures!r}")

    def step_log(self):
        log = find(self.panel("Output"), "list", "Log")
        self.focus = log

        def report():
            return next((name(row) for row in children(log)
                         if "REPORT RequestId" in name(row)), None)

        line = wait_for("a row of the Output panel's Log holding 'REPORT RequestId'", LOG_S,
                        self.probe(report), 0.2)
        say(f"Output log: {line!r}")
        for part in ("[hello]", "  Duration: ", "  Billed Duration: ", "  Max Memory Used: "):
            if part not in line:
                raise Failure(f"the REPORT row lacks {part!r}: {line!r}")
        if "\t" in line:
            raise Failure(f"the REPORT row shows a tab: {line!r}")

    def keys(self, *args):
        """xdotool with these arguments: keys typed into the focused window (XTEST)."""
        done = subprocess.run(["xdotool", *args], env=self.s.env, capture_output=True, text=True,
                              timeout=10)
        if done.returncode != 0:
            raise Failure(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def step_breakpoint(self):
        """Quick Open handler.py, the cursor to BREAK_AT's line, F9."""
        windows = self.keys("search", "--onlyvisible", "--name", "Nimbus Studio").split()
        if not windows:
            raise Failure("xdotool finds no visible window named '… Nimbus Studio'")
        self.keys("windowfocus", "--sync", windows[0])
        self.keys("key", "ctrl+p")
        wait_for("Quick Open's 'Command or file' line to have the focus", KEYS_S, self.probe(
            lambda: focused(find(self.frame, "text", "Command or file"))))
        self.keys("type", "handler.py")
        matches = find(self.frame, "list", "Matches")
        wait_for("'handler.py' first in Quick Open's Matches", KEYS_S, self.probe(
            lambda: [name(c) for c in children(matches)][:1] == ["handler.py"]))
        self.keys("key", "Return")
        def focused_editor():
            editor = find(self.frame, "text", "Editor: handler.py")
            return editor if editor and focused(editor) else None

        editor = wait_for("the editor 'Editor: handler.py' to have the focus", KEYS_S,
                          self.probe(focused_editor))
        self.focus = editor
        lines = text_of(editor).split("\n")
        line = next((i for i, text in enumerate(lines) if text.strip() == BREAK_AT), None)
        if line is None:
            raise Failure(f"handler.py has no line {BREAK_AT!r}")
        self.keys("key", "ctrl+Home")
        self.keys("key", "--repeat", str(line), "Down")
        caret = editor.queryText()

        def caret_line():
            return caret.getTextAtOffset(caret.caretOffset, pyatspi.TEXT_BOUNDARY_LINE_START)[0]

        wait_for(f"the caret on line {line + 1}, {BREAK_AT!r}", KEYS_S,
                 self.probe(lambda: caret_line().strip() == BREAK_AT))
        self.keys("key", "F9")
        self.breakpoint = line + 1
        table = find(self.panel("Run and Debug"), "table", "Breakpoints")
        self.focus = table
        wait_for(f"'handler.py:{self.breakpoint}' in the Breakpoints table", KEYS_S, self.probe(
            lambda: find(table, "table cell", f"handler.py:{self.breakpoint}")))
        say(f"Quick Open opened handler.py; F9 on line {self.breakpoint} "
            f"({caret_line().strip()!r}) lists 'handler.py:{self.breakpoint}' under Breakpoints")

    def step_debug(self):
        """F5 on hello to the breakpoint, F10, `name` evaluated, F5 to the end."""
        functions = find(self.panel("Explorer"), "tree", "Functions").queryTable()
        if not any(name(functions.getAccessibleAt(r, 0)) == "hello"
                   and functions.isRowSelected(r) for r in range(functions.nRows)):
            raise Failure("'hello' is no longer the Functions tree's selection")
        invoke, panel, console = (self.panel(t) for t in ("Invoke", "Run and Debug",
                                                          "Debug Console"))
        event = json.loads(text_of(find(invoke, "text", "Event JSON")).strip() or "{}")
        stack, variables = find(panel, "list", "Call Stack"), find(panel, "tree", "Variables")
        output = find(console, "text", "Debug output")
        self.focus = panel

        def top_line():
            """The line of the Call Stack's top row if that row is hello's."""
            rows = children(stack)
            found = rows and re.fullmatch(r"hello  handler\.py:(\d+)", name(rows[0]))
            return int(found.group(1)) if found else None

        def variable(wanted):
            table = variables.queryTable()
            return next((name(table.getAccessibleAt(r, 1)) for r in range(table.nRows)
                         if name(table.getAccessibleAt(r, 0)) == wanted), None)

        self.keys("key", "F5")
        line = wait_for("the Call Stack's top row 'hello  handler.py:…' and the Variables row "
                        "'event'", DEBUG_S, self.probe(lambda: variable("event") and top_line()),
                        0.2)
        if line != self.breakpoint:
            raise Failure(f"F5 stopped on line {line}, not at the breakpoint on {self.breakpoint}")
        say(f"F5: stopped at 'hello  handler.py:{line}'; Variables: event = {variable('event')}")
        self.keys("key", "F10")
        line = wait_for(f"F10 to move the Call Stack's top row past line {line}", STEP_S,
                        self.probe(lambda: (top_line() or 0) > line and top_line()))
        say(f"F10: the Call Stack's top row reads 'hello  handler.py:{line}'")

        self.focus = console
        evaluate = find(console, "text", "Evaluate")
        if not evaluate.queryComponent().grabFocus():
            raise Failure("the Debug Console's Evaluate line refused the focus")
        wait_for("the Evaluate line to have the focus", KEYS_S, lambda: focused(evaluate))
        self.keys("type", "name")
        self.keys("key", "Return")
        answer = f"> name\n{event.get('name') or 'world'!r}"
        wait_for(f"Debug output to show {answer!r}", STEP_S,
                 self.probe(lambda: answer in text_of(output)))
        say(f"Evaluate: Debug output shows {answer!r}")
        self.keys("key", "F5")
        wait_for("Debug output to show 'Result:' and 'REPORT RequestId'", STEP_S, self.probe(
            lambda: all(part in text_of(output) for part in ("\nResult: ", "\nREPORT RequestId"))))
        wait_for("the debug toolbar's 'Start Debugging' again (the session ended)", STEP_S,
                 self.probe(lambda: find(panel, "push button", "Start Debugging")))
        said = [t for t in text_of(output).split("\n") if t.startswith(("Result:", "REPORT"))]
        say(f"F5: ran to the end; Debug output: {said}")

    def nimbus(self, *args):
        """The nimbus CLI on the project, as a user in a terminal beside the Studio."""
        done = subprocess.run([os.path.join(self.s.bin_dir, "nimbus"), *args, "--project",
                               self.s.project], env=self.s.env, capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise Failure(f"nimbus {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def dialog(self, title):
        """A dialog of the Studio's titled `title`, once it shows."""
        def find_dialog():
            for app in children(pyatspi.Registry.getDesktop(0)):
                if name(app) == "nimbus-studio":
                    return next((c for c in children(app) if role(c) == "dialog"
                                 and name(c) == title), None)
            return None
        return wait_for(f"the dialog {title!r}", KEYS_S, self.probe(find_dialog), 0.1)

    @staticmethod
    def press(button):
        action = button.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        for wanted in ("Press", "Toggle"):
            if wanted in names and action.doAction(names.index(wanted)):
                return
        raise Failure(f"the button {name(button)!r} could not be pressed (actions: {names})")

    def status_reads(self, panel, text):
        return wait_for(f"a label of the Deployed Functions panel reading {text!r}", DEPLOY_S,
                        self.probe(lambda: find(panel, "label", lambda n: text in n)), 0.2)

    def publish(self, panel, version):
        self.press(find(panel, "push button", "Publish Version"))
        dialog = self.dialog("Publish Version")
        self.focus = dialog
        find(dialog, "text", lambda n: True).queryEditableText().setTextContents(
            f"release {version} from the end-to-end test")
        self.press(find(dialog, "push button", "Publish"))
        self.focus = panel
        label = self.status_reads(panel, f"Published python-hello-dev-hello version {version}.")
        say(f"Publish Version, Publish: the status line reads {name(label)!r}")

    def step_publish_and_alias(self):
        self.nimbus("deploy")
        self.keys("key", "ctrl+shift+p")
        wait_for("the command palette's 'Command or file' line to have the focus", KEYS_S,
                 self.probe(lambda: focused(find(self.frame, "text", "Command or file"))))
        self.keys("type", "Deployed Functions")
        self.keys("key", "Return")
        panel = wait_for("the Deployed Functions panel", READY_S,
                         self.probe(lambda: self.panel("Deployed Functions")))
        self.focus = panel
        tree = find(panel, "tree", "Deployed functions")
        table = tree.queryTable()

        def hello_row():
            rows = [name(table.getAccessibleAt(r, 0)) for r in range(table.nRows)]
            return rows.index("python-hello-dev-hello") + 1 if "python-hello-dev-hello" in rows \
                else None

        row = wait_for("the row 'python-hello-dev-hello' in the Deployed functions tree",
                       DEPLOY_S, self.probe(hello_row), 0.2) - 1
        if not table.addRowSelection(row):
            raise Failure(f"Table.addRowSelection({row}) was refused")
        publish = find(panel, "push button", "Publish Version")
        wait_for("the Publish Version button to be enabled", FOLLOW_S,
                 lambda: publish.getState().contains(pyatspi.STATE_ENABLED))
        say("the Deployed Functions panel lists python-hello-dev-hello; selected it")
        self.publish(panel, 1)
        with open(os.path.join(self.s.project, "handler.py"), "a") as handler:
            handler.write("\n# changed for version 2\n")
        self.nimbus("deploy")
        self.publish(panel, 2)

        self.press(find(panel, "push button", "Alias"))
        dialog = self.dialog("Create Alias")
        self.focus = dialog
        find(dialog, "text", "Alias name").queryEditableText().setTextContents("live")
        split = find(dialog, "check box", "Split traffic")
        self.press(split)
        wait_for("'Split traffic' to be checked", KEYS_S,
                 lambda: split.getState().contains(pyatspi.STATE_CHECKED))
        slider = find(dialog, "slider", "Share of the second version")
        slider.queryValue().currentValue = 10
        spin = find(dialog, "spin button", "Percent to the second version")
        wait_for("the spin box to follow the slider to 10", KEYS_S,
                 lambda: round(spin.queryValue().currentValue) == 10)
        summary = wait_for("the dialog to read '90% → v1, 10% → v2'", KEYS_S,
                           lambda: find(dialog, "label", "90% → v1, 10% → v2"))
        say(f"Create Alias: 'live', Split traffic, slider at 10: {name(summary)!r}")
        self.press(find(dialog, "push button", "Create Alias"))
        self.focus = panel
        label = self.status_reads(panel, "Alias python-hello-dev-hello:live → 90% v1 / 10% v2.")
        say(f"the status line reads {name(label)!r}")
        listed = json.loads(self.nimbus("functions", "--json"))
        hello = next(f for f in listed if f["name"] == "python-hello-dev-hello")
        live = next((a for a in hello["aliases"] if a["name"] == "live"), None)
        if not live or live["version"] != "1" or live["weights"] != {"2": 0.1}:
            raise Failure(f"nimbus functions shows the alias as {live!r}, not 1 with 2 at 0.1")
        say(f"nimbus functions --json: versions {hello['versions']}, alias {live}")

    def rows(self, view):
        """An item view's rows, each as its cells' text joined by " | ", as a screen reader
        reads them."""
        try:
            table = view.queryTable()
            return [" | ".join(name(table.getAccessibleAt(r, c)) for c in range(table.nColumns))
                    for r in range(table.nRows)]
        except NotImplementedError:
            return [name(c) for c in children(view)]

    def open_from_palette(self, command, title):
        self.keys("key", "ctrl+shift+p")
        wait_for("the command palette's 'Command or file' line to have the focus", KEYS_S,
                 self.probe(lambda: focused(find(self.frame, "text", "Command or file"))))
        self.keys("type", command)
        self.keys("key", "Return")
        return wait_for(f"the {title} panel", READY_S, self.probe(lambda: self.panel(title)))

    def step_observe(self):
        # A failure, as a user causes one from a terminal beside the Studio.
        done = subprocess.run([os.path.join(self.s.bin_dir, "nimbus"), "invoke", "fail",
                               "--project", self.s.project], env=self.s.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 1 or "ValueError" not in done.stdout:
            raise Failure(f"nimbus invoke fail should fail with ValueError: {done.stdout!r} "
                          f"{done.stderr.strip()!r}")
        traces = self.open_from_palette("Traces", "Traces")
        self.focus = traces
        listed = wait_for("the 'Recent traces' list", READY_S,
                          self.probe(lambda: find_view(traces, "Recent traces")))
        wait_for("the Recent traces list to show 'Invoke hello'", READY_S, self.probe(
            lambda: any("Invoke hello" in row for row in self.rows(listed))), 0.3)
        say(f"the Traces panel lists {self.rows(listed)[:4]}")
        failures = self.open_from_palette("Failures", "Failures")
        self.focus = failures
        listed = wait_for("the 'Failed invocations' list", READY_S,
                          self.probe(lambda: find_view(failures, "Failed invocations")))
        wait_for("the Failed invocations list to show the ValueError", READY_S, self.probe(
            lambda: any("this function always fails" in row for row in self.rows(listed))), 0.3)
        headline = wait_for("a label reading the failure's error", READY_S, self.probe(
            lambda: find(failures, "label", lambda n: "ValueError: this function always fails"
                         in n)), 0.3)
        say(f"the Failures panel lists {self.rows(listed)[:3]}; the error reads "
            f"{name(headline)!r}")

    def run(self):
        self.step_window()
        self.step_status_bar()
        self.step_follow()
        self.step_invoke()
        self.step_log()
        self.step_breakpoint()
        self.step_debug()
        self.step_observe()
        self.step_publish_and_alias()
        self.s.quit_studio()


def main():
    if len(sys.argv) < 2:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    bin_dir = os.path.abspath(sys.argv[1])
    source_dir = os.path.abspath(sys.argv[2] if len(sys.argv) > 2
                                 else os.path.join(os.path.dirname(__file__), "..", ".."))
    for tool, package in (("Xvfb", "xvfb"), ("dbus-daemon", "dbus-daemon"),
                          ("xdotool", "xdotool")):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed (Debian: {package})", flush=True)
            return 77
    if not os.path.exists(ATSPI_BUS_LAUNCHER):
        print(f"SKIP: {ATSPI_BUS_LAUNCHER} is missing (Debian: at-spi2-core)", flush=True)
        return 77
    if importlib.util.find_spec("pyatspi") is None:
        print(f"SKIP: {sys.executable} cannot import pyatspi (Debian: python3-pyatspi)",
              flush=True)
        return 77
    for program in ("nimbus-studio", "nimbus-lsp", "nimbus-sim", "nimbus-dap"):
        if not os.access(os.path.join(bin_dir, program), os.X_OK):
            print(f"FAIL: {os.path.join(bin_dir, program)} is not an executable", flush=True)
            return 1

    def interrupted(signum, _frame):
        raise Failure(f"interrupted by {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    session = Session(bin_dir, source_dir)
    test = StudioTest(session)
    failed = True
    try:
        session.start()
        global pyatspi
        import pyatspi as _pyatspi  # noqa: E402 - only once DISPLAY and the bus are ours
        pyatspi = _pyatspi
        test.run()
        failed = False
    except Failure as failure:
        say(f"FAIL: {failure}")
    except Exception as error:  # noqa: BLE001 - an unexpected error fails the test too
        traceback.print_exc()
        say(f"FAIL: unexpected {type(error).__name__}: {error}")
    if failed:
        if test.focus is not None:
            print("---- accessibility tree ----\n" + "\n".join(describe(test.focus)), flush=True)
        shot = session.screenshot()
        if shot:
            say(f"screenshot: {shot}")
        if os.path.exists(session.studio_log):
            with open(session.studio_log, encoding="utf-8", errors="replace") as f:
                print(f"---- nimbus-studio output ----\n{f.read().strip()}\n---- end ----",
                      flush=True)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clean-up is bounded: let it finish
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    left = session.cleanup()
    if left:
        say(f"FAIL: processes still running after clean-up: {left}")
    if failed or left:
        say(f"kept {session.tmp}")
        return 1
    shutil.rmtree(session.tmp, ignore_errors=True)
    say("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
