"""Nimbus's Python debug agent: runs inside a function instance and lets nimbus-dap stop it.

Started by the bootstrap when NIMBUS_DEBUG_AGENT=host:port is set. It connects to the debug
adapter there and speaks a small protocol shaped like the Debug Adapter Protocol itself
(JSON lines: {"seq", "command", "arguments"} in; responses and events out), so the adapter
only has to pass requests through. Standard library only.

How it stays free when nothing is stopped: breakpoints are compiled into the code of the
files that have them (a call to __nimbus_hit__ before the statement on the breakpoint's
line, through an import hook, or by swapping the code of functions already loaded). Code
in other files runs untouched, with no trace function installed. sys.settrace is used only
while stepping, for frames that started before a file's breakpoints changed, and when the
"raised exceptions" filter is on.
"""
import ast
import builtins
import ctypes
import gc
import http.client
import importlib.machinery
import itertools
import json
import linecache
import os
import reprlib
import signal
import socket
import sys
import threading
import types

_RUNTIME_FILES = None  # bootstrap, this agent, the http adapter: the "runtime" frames
# The signal that interrupts the main thread (to pause it, or to change its tracing): a
# real-time one, which functions are unlikely to use themselves.
_SIGNAL = signal.SIGRTMIN + 5


def _runtime_files():
    global _RUNTIME_FILES
    if _RUNTIME_FILES is None:
        here = os.path.dirname(os.path.abspath(__file__))
        _RUNTIME_FILES = {os.path.join(here, n) for n in ("bootstrap.py", "_nimbus_debug.py",
                                                          "_nimbus_http.py")}
    return _RUNTIME_FILES


class Breakpoint:
    _ids = itertools.count(1)

    def __init__(self, path, requested, line, condition=None, hit_condition=None,
                 log_message=None, function=None, given_id=None):
        # The adapter's ids, so a stop can name its breakpoint before any answer is back.
        self.id = given_id if given_id is not None else next(Breakpoint._ids)
        self.path = path
        self.requested = requested
        self.line = line  # where it really is (moved to the next line with code)
        self.condition = condition
        self.hit_condition = hit_condition
        self.log_message = log_message
        self.function = function
        self.hits = 0

    def hit_ok(self):
        """VS Code's hit conditions: "5" or "==5", ">5", ">=5", "<5", "<=5", "%5"."""
        text = (self.hit_condition or "").strip()
        if not text:
            return True
        for op in (">=", "<=", "==", ">", "<", "%"):
            if text.startswith(op):
                n = int(text[len(op):].strip())
                return {">=": self.hits >= n, "<=": self.hits <= n, "==": self.hits == n,
                        ">": self.hits > n, "<": self.hits < n,
                        "%": n > 0 and self.hits % n == 0}[op]
        return self.hits == int(text)


def _has_call(expression):
    try:
        return any(isinstance(n, ast.Call) for n in ast.walk(ast.parse(expression, mode="eval")))
    except SyntaxError:
        return False


def _statement_lines(tree):
    """Lines where a breakpoint can be: statements, less `from __future__` imports (nothing
    may come before those)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not (isinstance(node, ast.ImportFrom)
                                                and node.module == "__future__"):
            lines.add(node.lineno)
    return lines


class _Injector(ast.NodeTransformer):
    """Puts `__nimbus_hit__(LINE)` before the first statement of each target line."""

    def __init__(self, lines):
        self.lines = set(lines)

    def _stmts(self, stmts):
        out = []
        for stmt in stmts:
            if stmt.lineno in self.lines:
                self.lines.discard(stmt.lineno)
                call = ast.Expr(ast.Call(ast.Name("__nimbus_hit__", ast.Load()),
                                         [ast.Constant(stmt.lineno)], []))
                ast.copy_location(call, stmt)
                ast.fix_missing_locations(call)
                call.end_lineno, call.end_col_offset = stmt.lineno, stmt.col_offset
                for child in ast.walk(call):
                    child.lineno, child.col_offset = stmt.lineno, stmt.col_offset
                    child.end_lineno, child.end_col_offset = stmt.lineno, stmt.col_offset
                out.append(call)
            out.append(self.visit(stmt))
        return out

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._stmts(value))
            elif isinstance(value, list):
                setattr(node, field, [self.visit(v) for v in value])
        return node


class Agent:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.write_lock = threading.Lock()
        self.task_root = os.path.realpath(os.environ.get("LAMBDA_TASK_ROOT")
                                         or os.environ.get("USER_CODE_ROOT") or os.getcwd())
        self.breakpoints = {}       # path -> [Breakpoint]
        self.function_breakpoints = []
        self.by_location = {}       # (path, line) -> [Breakpoint]
        self.exception_filters = set()
        self.stop_on_entry = False
        self.configured = threading.Event()
        self.commands = []          # requests for the stopped main thread
        self.commands_ready = threading.Condition()
        self.stopped = False
        self.stop_frames = []       # the frames of the current stop, innermost first
        self.references = {}        # variablesReference -> what it expands
        self.next_reference = 1
        self.step = None            # (mode, frame) while stepping
        self.last_stop = None       # (frame id, line) of the last stop
        self.request_id = None      # the invocation running now
        self.stale_frames = set()   # frames running code older than their file's breakpoints
        self.instrumented_version = {}  # path -> version of breakpoints compiled in
        self.version = {}           # path -> version of breakpoints set
        self.main_thread = threading.main_thread()
        self.pause_requested = False
        self.retrace_requested = False
        self.reported_exception = None
        self.repr = reprlib.Repr()
        self.repr.maxstring = self.repr.maxother = 200
        self.repr.maxlist = self.repr.maxdict = self.repr.maxtuple = 20
        builtins.__nimbus_hit__ = self.hit
        # (Lambda's runtime API variable, or SCF's two.)
        self.api_address = os.environ.get("AWS_LAMBDA_RUNTIME_API") or (
            f"{os.environ['SCF_RUNTIME_API']}:{os.environ['SCF_RUNTIME_API_PORT']}"
            if os.environ.get("SCF_RUNTIME_API") else "")
        self.api_conn = None
        self._install_import_hook()
        self._tee_output()
        signal.signal(_SIGNAL, self._on_signal)
        threading.Thread(target=self._read, name="nimbus-debug-reader", daemon=True).start()
        self.send_event("hello", {"pid": os.getpid(), "python": sys.version.split()[0],
                                  "taskRoot": self.task_root})

    # ---- the wire --------------------------------------------------------------------
    def send(self, message):
        data = (json.dumps(message, default=str) + "\n").encode()
        with self.write_lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def send_event(self, event, body=None):
        self.send({"type": "event", "event": event, "body": body or {}})

    def respond(self, request, body=None, error=None):
        message = {"type": "response", "request_seq": request.get("seq"),
                   "command": request.get("command"), "success": error is None}
        if error is not None:
            message["message"] = error
        else:
            message["body"] = body or {}
        self.send(message)

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._adapter_gone()
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    request = json.loads(line)
                except ValueError:
                    continue
                self._dispatch(request)

    def _breakpoint_request(self, request, command, args):
        """setBreakpoints, setFunctionBreakpoints, setExceptionBreakpoints: True if it was one."""
        if command == "setBreakpoints":
            path = (args.get("source") or {}).get("path")
            if not path:
                raise ValueError("setBreakpoints needs source.path")
            self.respond(request, {"breakpoints": self.set_breakpoints(
                path, args.get("breakpoints", []))})
        elif command == "setFunctionBreakpoints":
            self.respond(request, {"breakpoints": self.set_function_breakpoints(
                args.get("breakpoints", []))})
        elif command == "setExceptionBreakpoints":
            self.exception_filters = set(args.get("filters", []))
            self._retrace()
            self.respond(request, {})
        else:
            return False
        return True

    def _dispatch_configure(self, request, args):
        self.exception_filters = set(args.get("exceptionFilters", []))
        self.stop_on_entry = bool(args.get("stopOnEntry"))
        result = {"breakpoints": {}}
        for path in list(self.breakpoints):
            if path not in (args.get("breakpoints") or {}):
                self.set_breakpoints(path, [])
        for path, bps in (args.get("breakpoints") or {}).items():
            result["breakpoints"][path] = self.set_breakpoints(path, bps)
        result["functionBreakpoints"] = self.set_function_breakpoints(
            args.get("functionBreakpoints", []))
        self._retrace()
        self.respond(request, result)
        self.configured.set()

    def _adapter_gone(self):
        # The debugger went away: never leave the function stopped.
        self.breakpoints.clear()
        self.by_location.clear()
        self.function_breakpoints = []
        self.exception_filters.clear()
        self.step = None
        with self.commands_ready:
            self.commands.append({"command": "continue", "seq": None, "_silent": True})
            self.commands_ready.notify_all()
        self.configured.set()

    def _dispatch(self, request):
        command = request.get("command")
        args = request.get("arguments") or {}
        try:
            if command == "configure" and not self.stopped:
                self._dispatch_configure(request, args)
            elif self.stopped and command not in ("threads", "loadedSources"):
                # The main thread is stopped: it serves requests itself, so breakpoints
                # and tracing change on the thread they concern.
                with self.commands_ready:
                    self.commands.append(request)
                    self.commands_ready.notify_all()
            elif self._breakpoint_request(request, command, args):
                pass
            elif command == "threads":
                self.respond(request, {"threads": [{"id": 1, "name": "Handler (MainThread)"}]})
            elif command == "pause":
                if self.stopped:
                    self.respond(request, {})
                elif self.request_id is None:
                    self.respond(request, error="the function is not running: it waits for "
                                                "its next invocation")
                else:
                    self.pause_requested = True
                    if self._signal_main():
                        self.respond(request, {})
                    else:
                        self.pause_requested = False
                        self.respond(request, error="cannot pause: the function replaced the "
                                                    "debugger's signal handler")
            elif command == "loadedSources":
                self.respond(request, {"sources": self.loaded_sources()})
            elif command in ("continue", "disconnect"):
                self.respond(request, {"allThreadsContinued": True})
            else:
                self.respond(request, error=f"'{command}' needs the function to be stopped")
        except Exception as e:  # a bad request must not take the function down
            self.respond(request, error=f"{type(e).__name__}: {e}")

    # ---- breakpoints -----------------------------------------------------------------
    def _norm(self, path):
        return os.path.realpath(path)

    def _parse(self, path):
        try:
            with open(path, "rb") as f:
                return ast.parse(f.read(), path)
        except (OSError, SyntaxError, ValueError):
            return None

    def set_breakpoints(self, path, requested):
        path = self._norm(path)
        tree = self._parse(path)
        lines = sorted(_statement_lines(tree)) if tree else []
        result = []
        placed = []
        for bp in requested:
            want = int(bp.get("line", 0))
            line = next((l for l in lines if l >= want), None)
            if line is None:
                result.append({"verified": False, "line": want,
                               "message": "no code at or after this line" if tree else
                               "the file cannot be read or parsed"})
                continue
            b = Breakpoint(path, want, line, bp.get("condition") or None,
                           bp.get("hitCondition") or None, bp.get("logMessage") or None,
                           given_id=bp.get("id"))
            placed.append(b)
            result.append({"id": b.id, "verified": True, "line": line,
                           "source": {"path": path}})
        self.breakpoints[path] = placed
        self._reindex()
        self._apply(path)
        return result

    def set_function_breakpoints(self, requested):
        self.function_breakpoints = []
        result = []
        for bp in requested:
            name = bp.get("name", "")
            found = self._find_function(name)
            if not found:
                result.append({"verified": False, "message": f"no function '{name}' in the "
                                                             "project's modules"})
                continue
            path, line = found
            b = Breakpoint(path, line, line, bp.get("condition") or None,
                           bp.get("hitCondition") or None, function=name,
                           given_id=bp.get("id"))
            self.function_breakpoints.append(b)
            result.append({"id": b.id, "verified": True, "line": line, "source": {"path": path}})
        self._reindex()
        for path in {b.path for b in self.function_breakpoints} | set(self.instrumented_version):
            self._apply(path)
        return result

    def _find_function(self, name):
        """'module.function', 'Class.method' or 'function': the first body line of it."""
        module_part, _, func = name.rpartition(".")
        for path in self._project_files():
            rel = os.path.relpath(path, self.task_root)[:-3].replace(os.sep, ".")
            tree = self._parse(path)
            if not tree:
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                    names = {node.name}
                    if module_part and rel.endswith(module_part):
                        names.add(module_part + "." + node.name)
                    if name in names or (module_part and func == node.name and
                                         (rel == module_part or rel.endswith("." + module_part))):
                        body = node.body
                        if (len(body) > 1 and isinstance(body[0], ast.Expr)
                                and isinstance(getattr(body[0], "value", None), ast.Constant)
                                and isinstance(body[0].value.value, str)):
                            body = body[1:]  # after the docstring
                        return path, body[0].lineno
        return None

    def _project_files(self):
        for root, dirs, files in os.walk(self.task_root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in
                       ("node_modules", "__pycache__")]
            for f in files:
                if f.endswith(".py"):
                    yield os.path.join(root, f)

    def _reindex(self):
        self.by_location = {}
        for b in itertools.chain(itertools.chain.from_iterable(self.breakpoints.values()),
                                 self.function_breakpoints):
            self.by_location.setdefault((b.path, b.line), []).append(b)

    def _lines_for(self, path):
        return sorted({line for (p, line) in self.by_location if p == path})

    def _apply(self, path):
        """Recompiles the loaded functions of `path` with the current breakpoints."""
        self.version[path] = self.version.get(path, 0) + 1
        module = next((m for m in list(sys.modules.values())
                       if getattr(m, "__file__", None)
                       and self._norm(m.__file__) == path), None)
        if module is None:
            return  # compiled with its breakpoints when it is imported
        code = self._compile(path)
        if code is None:
            return
        fresh = {}

        def collect(c):
            fresh[(c.co_qualname, c.co_firstlineno)] = c
            for const in c.co_consts:
                if isinstance(const, types.CodeType):
                    collect(const)

        collect(code)
        for obj in gc.get_objects():
            if isinstance(obj, types.FunctionType) and obj.__code__.co_filename == path:
                new = fresh.get((obj.__code__.co_qualname, obj.__code__.co_firstlineno))
                if new is not None and new.co_freevars == obj.__code__.co_freevars:
                    obj.__code__ = new
        self.instrumented_version[path] = self.version[path]
        # Calls already running keep their old code: those frames are watched by tracing.
        for frame in self._all_user_frames():
            if frame.f_code.co_filename == path:
                self.stale_frames.add(frame)
        self._retrace()

    def _compile(self, path, source=None):
        try:
            if source is None:
                with open(path, "rb") as f:
                    source = f.read()
            tree = ast.parse(source, path)
        except (OSError, SyntaxError, ValueError):
            return None
        lines = self._lines_for(path)
        if lines:
            tree = _Injector(lines).visit(tree)
            ast.fix_missing_locations(tree)
        try:
            return compile(tree, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return None  # the plain module then (its breakpoints do not stop)

    def _install_import_hook(self):
        agent = self

        class Loader(importlib.machinery.SourceFileLoader):
            def get_code(self, fullname):
                path = agent._norm(self.get_filename(fullname))
                if not path.startswith(agent.task_root + os.sep):
                    return super().get_code(fullname)
                agent.instrumented_version[path] = agent.version.get(path, 0)
                return agent._compile(path, self.get_data(self.get_filename(fullname))) or \
                    super().get_code(fullname)

        # The same loaders Python's own finder has (C extensions, bytecode), but ours for source.
        machinery = importlib.machinery
        sys.path_hooks.insert(0, machinery.FileFinder.path_hook(
            (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
            (Loader, machinery.SOURCE_SUFFIXES),
            (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES)))
        sys.path_importer_cache.clear()

    # ---- stopping --------------------------------------------------------------------
    def hit(self, line):
        """Called by the code compiled into a breakpoint's line."""
        if threading.current_thread() is not self.main_thread:
            return  # the handler's thread is the one debugged
        frame = sys._getframe(1)
        if self.last_stop is not None and self.last_stop[0] is frame and \
                self.last_stop[1] == line:
            self.last_stop = None  # the stop we just left, not a new visit
            return
        self._check_breakpoints(frame, line)

    def _check_breakpoints(self, frame, line):
        path = frame.f_code.co_filename
        for b in self.by_location.get((path, line), []):
            if b.condition:
                try:
                    if not eval(b.condition, frame.f_globals, frame.f_locals):
                        continue
                except Exception as e:
                    self.output(f"breakpoint condition '{b.condition}' failed: "
                                f"{type(e).__name__}: {e}\n", "stderr")
            b.hits += 1
            try:
                if not b.hit_ok():
                    continue
            except ValueError:
                self.output(f"hit condition '{b.hit_condition}' is not one of N, ==N, >N, >=N, "
                            "<N, <=N, %N; the breakpoint stops every time\n", "stderr")
            if b.log_message:
                self.output(self._interpolate(b.log_message, frame) + "\n", "console")
                continue
            reason = "function breakpoint" if b.function else "breakpoint"
            self.stop(frame, reason, hit=[b.id])
            return True
        return False

    def _interpolate(self, message, frame):
        out, i = [], 0
        while i < len(message):
            if message[i] == "{":
                end = message.find("}", i)
                if end > i:
                    try:
                        out.append(str(eval(message[i + 1:end], frame.f_globals,
                                            frame.f_locals)))
                    except Exception as e:
                        out.append(f"<{type(e).__name__}: {e}>")
                    i = end + 1
                    continue
            out.append(message[i])
            i += 1
        return "".join(out)

    def stop(self, frame, reason, hit=None, description=None, text=None, frames=None,
             on_line_event=False):
        """Holds the main thread here until the debugger resumes it."""
        self.stopped = True
        self.stop_frames = frames or self._frames_from(frame)
        self.references = {}
        # A stop made on a line event comes before that line's breakpoint call runs: the
        # call must not stop again for the same visit. (The frame itself is kept, not its
        # id: a later frame may reuse the id.)
        self.last_stop = (frame, frame.f_lineno) if on_line_event and frame is not None else None
        body = {"reason": reason, "threadId": 1, "allThreadsStopped": True}
        if hit:
            body["hitBreakpointIds"] = hit
        if description:
            body["description"] = description
        if text:
            body["text"] = text
        self.send_event("stopped", body)
        self._notify_platform(True)
        try:
            while True:
                with self.commands_ready:
                    while not self.commands:
                        self.commands_ready.wait()
                    request = self.commands.pop(0)
                if self._serve_stopped(request):
                    break
        finally:
            self.stopped = False
            self.stop_frames = []
            self.references = {}
            self._notify_platform(False)

    def _serve_stopped(self, request):
        """One request while stopped; True when it resumes the function."""
        command = request.get("command")
        args = request.get("arguments") or {}
        try:
            if command in ("continue", "disconnect"):
                self.step = None
                self._update_tracing()
                if not request.get("_silent"):
                    self.respond(request, {"allThreadsContinued": True})
                return True
            if command in ("next", "stepIn", "stepOut"):
                frame = self.stop_frames[0][0] if self.stop_frames else None
                if frame is None or not self._is_live(frame):
                    # A stop on an uncaught exception: there is nowhere to step to.
                    self.step = None
                else:
                    self.step = (command, frame)
                self._update_tracing()
                self.respond(request, {})
                return True
            if self._breakpoint_request(request, command, args):
                pass
            elif command == "configure":
                self._dispatch_configure(request, args)
            elif command == "threads":
                self.respond(request, {"threads": [{"id": 1, "name": "Handler (MainThread)"}]})
            elif command == "pause":
                self.respond(request, {})
            elif command == "stackTrace":
                self.respond(request, self.stack_trace(args))
            elif command == "scopes":
                self.respond(request, self.scopes(args))
            elif command == "variables":
                self.respond(request, self.variables(args))
            elif command == "evaluate":
                self.respond(request, self.evaluate(args))
            elif command == "setVariable":
                self.respond(request, self.set_variable(args))
            else:
                self.respond(request, error=f"unknown command '{command}'")
        except Exception as e:
            self.respond(request, error=f"{type(e).__name__}: {e}")
        return False

    def _is_live(self, frame):
        return any(f is frame for f in self._all_user_frames(include_runtime=True))

    def _on_signal(self, signum, frame):
        if self.retrace_requested:
            self.retrace_requested = False
            self._update_tracing()
        if not self.pause_requested:
            return
        self.pause_requested = False
        while frame is not None and not self._is_user(frame):
            frame = frame.f_back
        if frame is None:
            # Between user frames (in the runtime): stop at the next user line instead.
            self.step = ("pause", None)
            self._update_tracing()
            return
        self.stop(frame, "pause")

    def _notify_platform(self, paused):
        """Tells the simulator to stop (or restart) this invocation's timeout clock."""
        if not self.request_id or not self.api_address:
            return
        for attempt in (0, 1):
            try:
                if self.api_conn is None:
                    host, _, port = self.api_address.rpartition(":")
                    self.api_conn = http.client.HTTPConnection(host, int(port), timeout=2)
                self.api_conn.request(
                    "POST", f"/2018-06-01/runtime/invocation/{self.request_id}/debug",
                    json.dumps({"paused": paused}), {"Content-Type": "application/json"})
                self.api_conn.getresponse().read()
                return
            except (OSError, http.client.HTTPException):
                self.api_conn = None  # closed while idle: once more on a new connection

    # ---- tracing (stepping, stale frames, raised exceptions) -------------------------
    def _retrace(self):
        """Brings tracing up to date on the main thread (sys.settrace is per thread)."""
        if threading.current_thread() is self.main_thread:
            self._update_tracing()
            return
        if self.stopped:
            return  # the main thread updates its tracing when it resumes
        need = bool(self.stale_frames) or "raised" in self.exception_filters
        if need and self.request_id is not None:
            self.retrace_requested = True
            self._signal_main()

    def _signal_main(self):
        """Interrupts the main thread so it runs _on_signal; False when it cannot."""
        if signal.getsignal(_SIGNAL) != self._on_signal:
            self.output("the function replaced the debugger's signal handler "
                        f"({signal.Signals(_SIGNAL).name}); pause and changes to running code "
                        "wait for the next stop\n", "stderr")
            return False
        signal.pthread_kill(self.main_thread.ident, _SIGNAL)
        return True

    def _update_tracing(self):
        """Sets the main thread's tracing for what is wanted now (call it on that thread)."""
        need = self.step is not None or "raised" in self.exception_filters or \
            bool(self.stale_frames)
        frames = self._all_user_frames(include_runtime=True)
        if not need:
            sys.settrace(None)
            for frame in frames:
                frame.f_trace = None
            return
        sys.settrace(self._trace)
        mode, origin = self.step if self.step is not None else (None, None)
        everywhere = mode in ("stepIn", "entry", "pause")
        for frame in frames:
            if not self._is_user(frame):
                continue
            frame.f_trace = self._trace
            # Line events only where a stop can happen: not in the callers of the frame
            # stepped over (they get them when it returns).
            frame.f_trace_lines = everywhere or frame is origin or frame in self.stale_frames

    def _all_user_frames(self, include_runtime=False):
        frame = sys._current_frames().get(self.main_thread.ident)
        frames = []
        while frame is not None:
            if frame.f_code.co_filename != __file__ and (include_runtime or self._is_user(frame)):
                frames.append(frame)
            frame = frame.f_back
        return frames

    def _is_user(self, frame):
        path = frame.f_code.co_filename
        return path.startswith(self.task_root + os.sep) and path not in _runtime_files()

    def _trace(self, frame, event, arg):
        mode, origin = self.step if self.step is not None else (None, None)
        if event == "call":
            # Frames that start now: traced line by line only when stepping into them; a
            # function stepped over runs without line events (its breakpoints still stop).
            if not self._is_user(frame):
                return None
            if mode in ("stepIn", "entry", "pause"):
                frame.f_trace_lines = True
                return self._trace
            if "raised" in self.exception_filters:
                frame.f_trace_lines = False
                return self._trace
            return None
        if event == "exception":
            if "raised" in self.exception_filters and self._is_user(frame):
                exc_type, exc, _ = arg
                # Once per exception, in the innermost project frame that sees it (where it
                # was raised, or where a library call raised it).
                if exc is not self.reported_exception:
                    self.reported_exception = exc
                    self.stop(frame, "exception", description=f"{exc_type.__name__}: {exc}",
                              text=f"{exc_type.__name__}: {exc}")
            return self._trace
        if event == "return":
            self.stale_frames.discard(frame)
            if mode in ("next", "stepOut") and frame is origin:
                caller = frame.f_back
                if caller is None or not self._is_user(caller):
                    self.step = None  # back in the runtime: the invocation runs to its end
                else:
                    caller.f_trace = self._trace
                    caller.f_trace_lines = True
                    self.step = ("caller", caller)
            if self.step is None and not self.stale_frames and \
                    "raised" not in self.exception_filters:
                sys.settrace(None)
            return self._trace
        if event != "line":
            return self._trace
        if self.last_stop is not None and (self.last_stop[0] is not frame or
                                           self.last_stop[1] != frame.f_lineno):
            self.last_stop = None
        if mode is not None and (mode in ("stepIn", "entry", "pause") or
                                 (mode in ("next", "caller") and frame is origin)):
            self.step = None
            return self._stop_step(frame, {"entry": "entry", "pause": "pause"}.get(mode, "step"))
        if frame in self.stale_frames and self.last_stop is None:
            self._check_breakpoints(frame, frame.f_lineno)
        return self._trace

    def _stop_step(self, frame, reason):
        self._update_tracing()
        self.stop(frame, reason, on_line_event=True)
        return self._trace if (self.step or self.stale_frames or
                               "raised" in self.exception_filters) else None

    # ---- invocations (called by the bootstrap) ---------------------------------------
    def wait_configured(self, timeout=10):
        if not self.configured.wait(timeout):
            sys.stderr.write("[nimbus] the debugger did not configure this instance in time; "
                             "running without it\n")

    def call(self, handler, event, context, request_id):
        self.request_id = request_id
        try:
            if "raised" in self.exception_filters:
                self._update_tracing()
            if self.stop_on_entry:
                self.stop_on_entry = False  # the first invocation only
                self.step = ("entry", None)
                self._update_tracing()
            try:
                return handler(event, context)
            except Exception as e:
                if "uncaught" in self.exception_filters and e is not self.reported_exception:
                    frames = []
                    tb = e.__traceback__
                    while tb is not None:
                        if self._is_user(tb.tb_frame):
                            frames.insert(0, tb.tb_frame)
                        tb = tb.tb_next
                    if frames:
                        self.stop(None, "exception", description=f"{type(e).__name__}: {e}",
                                  text=f"{type(e).__name__}: {e}",
                                  frames=[(f, l) for f, l in self._tb_frames(e)])
                raise
        finally:
            self.step = None if self.step and self.step[0] == "entry" else self.step
            self.request_id = None
            self.last_stop = None
            self.reported_exception = None
            self.stale_frames.clear()
            if self.step is not None:
                self.step = None  # (frames of this invocation are not kept)
            self._update_tracing()

    def _tb_frames(self, exc):
        pairs = []
        tb = exc.__traceback__
        while tb is not None:
            pairs.insert(0, (tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        return pairs

    # ---- inspection ------------------------------------------------------------------
    def _frames_from(self, frame):
        frames = []
        # (An instance forked by the template has the template's frames below the bootstrap's:
        # they are not the instance's.)
        template = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zygote.py")
        while frame is not None and frame.f_code.co_filename != template:
            if frame.f_code.co_filename != __file__:
                frames.append((frame, frame.f_lineno))
            frame = frame.f_back
        return frames

    def _ref(self, kind, value, frame, expression):
        """A variablesReference for something to expand: with the frame it belongs to (for
        evaluating a new value in setVariable) and the expression that names it."""
        ref = self.next_reference
        self.next_reference += 1
        self.references[ref] = (kind, value, frame, expression)
        return ref

    def stack_trace(self, args):
        start = int(args.get("startFrame") or 0)
        levels = int(args.get("levels") or 0)
        chosen = self.stop_frames[start:start + levels] if levels else self.stop_frames[start:]
        out = []
        for index, (frame, line) in enumerate(chosen, start):
            path = frame.f_code.co_filename
            user = self._is_user(frame)
            item = {"id": index + 1, "name": frame.f_code.co_qualname, "line": line,
                    "column": 1,
                    "source": {"name": os.path.basename(path), "path": path}}
            if not user:
                item["presentationHint"] = "subtle"
                item["source"]["presentationHint"] = "deemphasize"
                item["source"]["origin"] = "Nimbus runtime" if path in _runtime_files() \
                    else "library"
            out.append(item)
        return {"stackFrames": out, "totalFrames": len(self.stop_frames)}

    def _frame(self, frame_id):
        index = int(frame_id) - 1
        if index < 0 or index >= len(self.stop_frames):
            raise ValueError(f"no frame {frame_id}")
        return self.stop_frames[index][0]

    def scopes(self, args):
        frame = self._frame(args.get("frameId", 1))
        return {"scopes": [
            {"name": "Locals", "presentationHint": "locals",
             "variablesReference": self._ref("locals", frame, frame, ""), "expensive": False,
             "namedVariables": len(frame.f_locals)},
            {"name": "Globals", "variablesReference": self._ref("globals", frame, frame, ""),
             "expensive": False,
             "namedVariables": len([k for k in frame.f_globals if not k.startswith("__")])},
        ]}

    def _describe(self, value, frame, expression):
        info = {"value": self.repr.repr(value), "type": type(value).__name__,
                "variablesReference": 0}
        if isinstance(value, (dict, list, tuple, set, frozenset)) and value:
            info["variablesReference"] = self._ref("value", value, frame, expression)
            if isinstance(value, dict):
                info["namedVariables"] = len(value)
            else:
                info["indexedVariables"] = len(value)
        elif not isinstance(value, (str, bytes, int, float, bool, type(None), complex)) and \
                (getattr(value, "__dict__", None) or getattr(value, "__slots__", None)):
            info["variablesReference"] = self._ref("value", value, frame, expression)
        return info

    def _children(self, kind, value):
        if kind == "locals":
            return list(value.f_locals.items())
        if kind == "globals":
            return [(k, v) for k, v in value.f_globals.items()
                    if not k.startswith("__") and not isinstance(v, types.ModuleType)]
        if isinstance(value, dict):
            return [(repr(k), v) for k, v in value.items()]
        if isinstance(value, (list, tuple)):
            return [(str(i), v) for i, v in enumerate(value)]
        if isinstance(value, (set, frozenset)):
            return [(str(i), v) for i, v in enumerate(sorted(value, key=repr))]
        names = list(getattr(value, "__dict__", {}).keys())
        for slot in getattr(type(value), "__slots__", ()):
            if hasattr(value, slot):
                names.append(slot)
        return [(n, getattr(value, n)) for n in names]

    def variables(self, args):
        ref = int(args.get("variablesReference", 0))
        if ref not in self.references:
            raise ValueError(f"no variables with reference {ref} (they last until the "
                             "function runs again)")
        kind, value, frame, parent = self.references[ref]
        children = self._children(kind, value)
        start = int(args.get("start") or 0)
        count = int(args.get("count") or 0)
        if count:
            children = children[start:start + count]
        elif start:
            children = children[start:]
        out = []
        for name, child in children:
            # What "Add to Watch" / "Copy as Expression" evaluate: event['order']['items'][1]
            if kind in ("locals", "globals"):
                expression = name
            elif isinstance(value, (dict, list, tuple)):
                expression = f"{parent}[{name}]"
            elif isinstance(value, (set, frozenset)):
                expression = f"sorted({parent}, key=repr)[{name}]"
            else:
                expression = f"{parent}.{name}"
            item = self._describe(child, frame, expression)
            item["name"] = name
            item["evaluateName"] = expression
            out.append(item)
        return {"variables": out}

    def evaluate(self, args):
        expression = args.get("expression", "")
        frame = self._frame(args.get("frameId", 1)) if self.stop_frames else None
        if frame is None:
            raise ValueError("nothing is stopped to evaluate in")
        if args.get("context") == "hover" and _has_call(expression):
            # A hover must not change anything: it does not run calls (the console does).
            raise ValueError("hovering does not run calls; evaluate it in the debug console")
        try:
            value = eval(expression, frame.f_globals, frame.f_locals)
        except SyntaxError:
            if args.get("context") != "repl":
                raise
            # A statement typed at the debug console: run it in the frame.
            exec(compile(expression, "<debug console>", "exec"), frame.f_globals, frame.f_locals)
            self._write_locals(frame)
            return {"result": "", "variablesReference": 0}
        info = self._describe(value, frame, expression)
        return {"result": info["value"], "type": info["type"],
                "variablesReference": info["variablesReference"],
                **{k: info[k] for k in ("namedVariables", "indexedVariables") if k in info}}

    def _write_locals(self, frame):
        # f_locals is a snapshot in 3.11; this writes it back into the frame's fast locals.
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))

    def set_variable(self, args):
        ref = int(args.get("variablesReference", 0))
        if ref not in self.references:
            raise ValueError(f"no variables with reference {ref}")
        kind, container, frame, parent = self.references[ref]
        name = args.get("name")
        # The new value is read in the frame the variable belongs to.
        new = eval(args.get("value", ""), frame.f_globals, frame.f_locals)
        if kind == "locals":
            container.f_locals[name] = new
            self._write_locals(container)
        elif kind == "globals":
            container.f_globals[name] = new
        elif isinstance(container, dict):
            key = next((k for k in container if repr(k) == name), None)
            if key is None:
                raise KeyError(name)
            container[key] = new
        elif isinstance(container, list):
            container[int(name)] = new
        else:
            setattr(container, name, new)
        info = self._describe(new, frame, name if kind in ("locals", "globals") else parent)
        return {"value": info["value"], "type": info["type"],
                "variablesReference": info["variablesReference"]}

    def loaded_sources(self):
        sources = []
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not path:
                continue
            path = self._norm(path)
            if path.startswith(self.task_root + os.sep):
                sources.append({"name": os.path.relpath(path, self.task_root), "path": path})
            elif path in _runtime_files():
                sources.append({"name": os.path.basename(path), "path": path,
                                "origin": "Nimbus runtime", "presentationHint": "deemphasize"})
        return sorted(sources, key=lambda s: s["name"])

    # ---- output ----------------------------------------------------------------------
    def output(self, text, category="console"):
        self.send_event("output", {"category": category, "output": text})

    def _tee_output(self):
        agent = self

        class Tee:
            """Writes through, and sends whole lines to the debugger as output events."""

            def __init__(self, stream, category):
                self.stream, self.category, self.pending = stream, category, ""

            def write(self, text):
                n = self.stream.write(text)
                self.pending += text
                if "\n" in self.pending:
                    complete, _, self.pending = self.pending.rpartition("\n")
                    agent.output(complete + "\n", self.category)
                return n

            def flush(self):
                if self.pending:
                    agent.output(self.pending, self.category)
                    self.pending = ""
                return self.stream.flush()

            def __getattr__(self, name):
                return getattr(self.stream, name)

        sys.stdout = Tee(sys.stdout, "stdout")
        sys.stderr = Tee(sys.stderr, "stderr")


_agent = None


def start(address):
    """Connects to the debug adapter and waits until it has set the breakpoints."""
    global _agent
    try:
        _agent = Agent(address)
    except OSError as e:
        sys.stderr.write(f"[nimbus] cannot reach the debugger at {address}: {e}; running "
                         "without it\n")
        return None
    _agent.wait_configured()
    return _agent


if __name__ == "__main__":
    # `python3 _nimbus_debug.py --statement-lines FILE`: the lines where statements start,
    # so the adapter can place breakpoints before the function runs.
    if len(sys.argv) == 3 and sys.argv[1] == "--statement-lines":
        try:
            with open(sys.argv[2], "rb") as source:
                print(json.dumps(sorted(_statement_lines(ast.parse(source.read(), sys.argv[2])))))
        except (OSError, SyntaxError, ValueError) as e:
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
    else:
        sys.exit("usage: _nimbus_debug.py --statement-lines FILE")
