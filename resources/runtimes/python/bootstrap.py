"""Nimbus's Python runtime: a client of the AWS Lambda Runtime API, as Lambda's own is.

Started as `python3 -u -B bootstrap.py` with _HANDLER, LAMBDA_TASK_ROOT and
AWS_LAMBDA_RUNTIME_API set (for SCF: USER_CODE_ROOT, SCF_RUNTIME_API and SCF_RUNTIME_API_PORT), or forked by the template (zygote.py), which imports this module
ahead of time and calls main() in each new instance. Loads the handler once, then serves
invocations forever, so module state survives between invocations as on the real platform.
"""
import http.client
import importlib
import json
import os
import re
import sys
import time
import traceback

BASE = "/2018-06-01/runtime"
# The profiler's default sampling interval, of the handler's CPU time (as Node's).
PROFILE_INTERVAL_US = 1000


class RuntimeApi:
    """One keep-alive HTTP connection to the Runtime API."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port)

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, ConnectionError):
                # The platform may have closed an idle connection; reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port)
                if attempt:
                    raise

    def next(self):
        return self.request("GET", BASE + "/invocation/next")

    def respond(self, request_id, body):
        self.request("POST", f"{BASE}/invocation/{request_id}/response", body,
                     {"Content-Type": "application/json"})

    def error(self, request_id, error):
        self.request("POST", f"{BASE}/invocation/{request_id}/error", json.dumps(error),
                     {"Content-Type": "application/json",
                      "Lambda-Runtime-Function-Error-Type": error["errorType"]})

    def init_error(self, error):
        self.request("POST", BASE + "/init/error", json.dumps(error),
                     {"Content-Type": "application/json",
                      "Lambda-Runtime-Function-Error-Type": error["errorType"]})


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        # As Lambda's own context shows itself (in failure scenes, among others).
        return (f"LambdaContext([aws_request_id={self.aws_request_id},"
                f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
                f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
                f"function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},"
                f"client_context={self.client_context},identity={self.identity}])")


class ScfContext(dict):
    """Tencent Cloud SCF's context: a dict, as SCF passes it (its keys also read as
    attributes), with the time left as Lambda's context gives it."""

    def __init__(self, request_id, deadline_ms, memory_mb, time_limit_ms):
        namespace = os.environ.get("SCF_NAMESPACE", "default")
        super().__init__(
            memory_limit_in_mb=memory_mb,
            time_limit_in_ms=time_limit_ms,
            request_id=request_id,
            environment=json.dumps({"SCF_NAMESPACE": namespace}, separators=(",", ":")),
            environ=f"SCF_NAMESPACE={namespace};SCF_NAMESPACE={namespace}",
            function_version=os.environ.get("SCF_FUNCTIONVERSION", "$LATEST"),
            function_name=os.environ.get("SCF_FUNCTIONNAME", ""),
            namespace=namespace,
            tencentcloud_region=os.environ.get("TENCENTCLOUD_REGION", ""),
            tencentcloud_appid=os.environ.get("TENCENTCLOUD_APPID", ""),
            tencentcloud_uin=os.environ.get("TENCENTCLOUD_UIN", ""))
        self._deadline_ms = deadline_ms

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def make_context(headers, loads):
    """The context of one invocation, as the instance's platform (Lambda or SCF) has it."""
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))
    if os.environ.get("_NIMBUS_DIALECT") == "scf":
        return ScfContext(request_id, deadline_ms, int(headers.get("memory_limit_in_mb", "128")),
                          int(headers.get("time_limit_in_ms", "3000")))
    client_context = headers.get("Lambda-Runtime-Client-Context")
    identity = headers.get("Lambda-Runtime-Cognito-Identity")
    return LambdaContext(request_id, deadline_ms, headers.get("Lambda-Runtime-Invoked-Function-Arn"),
                         loads(client_context) if client_context else None,
                         loads(identity) if identity else None)


def runtime_api():
    """Where the platform's runtime API is: Lambda's variable, or SCF's two."""
    if os.environ.get("AWS_LAMBDA_RUNTIME_API"):
        return os.environ["AWS_LAMBDA_RUNTIME_API"]
    return f"{os.environ['SCF_RUNTIME_API']}:{os.environ['SCF_RUNTIME_API_PORT']}"


def error_document(exc, error_type=None, tb=None):
    frames = traceback.extract_tb(tb if tb is not None else exc.__traceback__)
    # Lambda leaves its own frames out of the trace (and so do we, with the debug agent's).
    runtime = {__file__, os.path.join(os.path.dirname(__file__), "_nimbus_debug.py")}
    frames = [f for f in frames if f.filename not in runtime]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


# Failure scenes: the locals of the project's frames where an invocation's exception was
# raised, sent with its error document as "nimbusScene". The traceback keeps those frames
# alive, so this costs nothing until something fails.
SCENE_MAX_FRAMES = 50      # the innermost ones are kept (a RecursionError has ~1000)
SCENE_MAX_LOCALS = 100     # per frame
SCENE_MAX_TEXT = 1000      # characters of one value
SCENE_BUDGET = 256 * 1024  # characters of all values; past it, values are left out
SECRET_NAME = re.compile(r"password|passwd|secret|token|api[_-]?key|apikey|credential|auth|"
                         r"private[_-]?key|session[_-]?key", re.IGNORECASE)
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_DIRS = {"site-packages", "dist-packages", "node_modules"}
_project_files = {}  # co_filename -> whether it is the project's own code


class _Full(Exception):
    pass


def is_project_file(filename, task_root):
    known = _project_files.get(filename)
    if known is None:
        # (Not "<string>" and the like: code compiled from text has no file.)
        path = os.path.realpath(filename) if os.path.isabs(filename) else ""
        known = (path.startswith(task_root + os.sep)
                 and not path.startswith(_RUNTIME_DIR + os.sep)
                 and not _LIBRARY_DIRS & set(path.split(os.sep)))
        _project_files[filename] = known
    return known


def short_repr(value, limit=SCENE_MAX_TEXT):
    """repr(value), cut at `limit` characters with "…"; the builtin containers and strings are
    walked only as far as that, so a huge one costs no more than a small one."""
    parts = []
    size = 0
    active = set()

    def emit(text):
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > limit:
            raise _Full

    def walk(v):
        kind = type(v)
        if kind in (str, bytes, bytearray):
            emit(repr(v[:limit + 1]) if len(v) > limit else repr(v))
        elif kind in (list, tuple, set, frozenset, dict) and v:
            if id(v) in active:  # as repr shows a container inside itself
                emit({list: "[...]", dict: "{...}", tuple: "(...)"}.get(kind, "..."))
                return
            active.add(id(v))
            opener, closer = {list: ("[", "]"), tuple: ("(", ")"), set: ("{", "}"),
                              frozenset: ("frozenset({", "})"), dict: ("{", "}")}[kind]
            emit(opener)
            for i, item in enumerate(v.items() if kind is dict else v):
                if i:
                    emit(", ")
                if kind is dict:
                    walk(item[0])
                    emit(": ")
                    walk(item[1])
                else:
                    walk(item)
            emit("," + closer if kind is tuple and len(v) == 1 else closer)
            active.discard(id(v))
        else:
            emit(repr(v))

    try:
        walk(value)
    except _Full:
        pass
    except Exception as e:  # a __repr__ that fails
        return f"<{type(value).__name__} object (repr raised {type(e).__name__})>"
    text = "".join(parts)
    return text if len(text) <= limit else text[:limit] + "…"


def failure_scene(exc, task_root):
    """{"frames": [{name, file, line, locals}]} of the project's frames in exc's traceback,
    outermost first; None when it has none."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        if is_project_file(tb.tb_frame.f_code.co_filename, task_root):
            frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    if not frames:
        return None
    budget = SCENE_BUDGET
    scene = []
    for frame, line in frames[-SCENE_MAX_FRAMES:]:
        code = frame.f_code
        local_texts = {}
        for name, value in list(frame.f_locals.items())[:SCENE_MAX_LOCALS]:
            if name.startswith("__") and name.endswith("__"):
                continue
            if SECRET_NAME.search(name):
                text = "****"
            elif budget <= 0:
                text = "…"
            else:
                text = short_repr(value)
            budget -= len(text)
            local_texts[name] = text
        scene.append({"name": getattr(code, "co_qualname", code.co_name),
                      "file": os.path.abspath(code.co_filename), "line": line,
                      "locals": local_texts})
    return {"frames": scene}


def with_scene(document, exc, task_root):
    try:
        scene = failure_scene(exc, task_root)
        if scene:
            document["nimbusScene"] = scene
    except Exception:  # the document goes as it is
        pass
    return document


def log_error(document):
    # As Lambda's runtime logs an unhandled error: "[ERROR] Type: message" and the trace.
    trace = "".join(document["stackTrace"])
    sys.stdout.write(f"[ERROR] {document['errorType']}: {document['errorMessage']}\n"
                     + (f"Traceback (most recent call last):\n{trace}" if trace else ""))
    sys.stdout.flush()


def profile_interval():
    """NIMBUS_PROFILE_INTERVAL_US, else the default sampling interval."""
    try:
        us = int(os.environ.get("NIMBUS_PROFILE_INTERVAL_US", ""))
    except ValueError:
        us = 0
    return us if us > 0 else PROFILE_INTERVAL_US


def load_handler(spec):
    module_name, dot, function_name = spec.rpartition(".")
    if not dot or not module_name or not function_name:
        raise HandlerError("Runtime.MalformedHandlerName",
                           f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise HandlerError("Runtime.ImportModuleError",
                           f"Unable to import module '{module_name}': {e}", e) from e
    except SyntaxError as e:
        raise HandlerError("Runtime.UserCodeSyntaxError",
                           f"Syntax error in module '{module_name}': {e}", e) from e
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise HandlerError("Runtime.HandlerNotFound",
                           f"Handler '{function_name}' missing on module '{module_name}'") from None


class HandlerError(Exception):
    def __init__(self, error_type, message, cause=None):
        super().__init__(message)
        self.error_type = error_type
        self.cause = cause


def main():
    api = RuntimeApi(runtime_api())
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.environ.get("USER_CODE_ROOT") or os.getcwd()
    sys.path.insert(0, task_root)
    # The function's installed packages (PYTHONPATH, as the simulator sets it), right after
    # its own code as on Lambda. An instance forked from a template started before they were
    # known has them only from here.
    for entry in reversed([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(1, entry)
    # Entry points that plugins generate at deploy time (serverless-wsgi's wsgi_handler),
    # last, so that a project's own file wins.
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins"))
    os.chdir(task_root)
    agent = None
    if os.environ.get("NIMBUS_DEBUG_AGENT"):
        # A debugger is attached: its agent sets breakpoints before the handler is imported.
        import _nimbus_debug
        agent = _nimbus_debug.start(os.environ["NIMBUS_DEBUG_AGENT"])
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except HandlerError as e:
        document = error_document(e, e.error_type, e.cause.__traceback__ if e.cause else None)
        log_error(document)
        api.init_error(document)
        sys.exit(1)
    except Exception as e:  # an error raised while the module ran its top-level code
        document = error_document(e)
        log_error(document)
        api.init_error(document)
        sys.exit(1)

    if os.environ.get("_NIMBUS_FUNCTION_KIND") == "http":
        # An http function: it takes a request and returns a response (see _nimbus_http).
        import _nimbus_http
        handler = _nimbus_http.adapt(handler)

    # Failure scenes cost nothing until something fails (so, unlike Node's, they stay on under
    # a debugger or the profiler); the profiler samples only when asked for.
    scene_root = os.path.realpath(task_root) if os.environ.get("NIMBUS_CAPTURE_FAILURES") != "0" \
        else None
    profiler = None
    if os.environ.get("NIMBUS_PROFILE_DIR"):
        import _nimbus_profile
        profiler = _nimbus_profile.start(os.environ["NIMBUS_PROFILE_DIR"], profile_interval())

    # Invocations one at a time, as Lambda runs them; an http function that opted in with
    # `concurrency` takes NIMBUS_CONCURRENCY at once, a thread and a connection each (not
    # under a debugger or the profiler, which follow one invocation).
    try:
        concurrency = max(1, int(os.environ.get("NIMBUS_CONCURRENCY", "1")))
    except ValueError:
        concurrency = 1
    if concurrency > 1 and agent is None and profiler is None:
        import threading
        address = runtime_api()
        for _ in range(concurrency - 1):
            threading.Thread(target=serve, args=(RuntimeApi(address), handler, None, None),
                             kwargs={"scene_root": scene_root}, daemon=True).start()
    serve(api, handler, agent, profiler, scene_root=scene_root)


def serve(api, handler, agent, profiler, scene_root=None):
    """Takes invocations from the Runtime API and answers them, forever."""
    dumps, loads = json.dumps, json.loads
    while True:
        if profiler is not None:
            profiler.write()  # the last invocation's, now that its result has gone
        response, body = api.next()
        headers = response.headers
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            event = loads(body) if body else None
        except ValueError as e:
            api.error(request_id, {"errorMessage": f"Unable to parse input as json: {e}",
                                   "errorType": "Runtime.UnmarshalError", "stackTrace": []})
            continue
        context = make_context(headers, loads)
        if profiler is not None:
            profiler.start()
        try:
            if agent is not None:
                result = agent.call(handler, event, context, request_id)
            else:
                result = handler(event, context)
        except Exception as e:
            if profiler is not None:
                profiler.stop(request_id)
            document = error_document(e)
            document["requestId"] = request_id
            log_error(document)
            if scene_root is not None:  # (after logging: locals stay out of the logs)
                with_scene(document, e, scene_root)
            api.error(request_id, document)
            continue
        if profiler is not None:
            profiler.stop(request_id)
        try:
            payload = dumps(result)
        except (TypeError, ValueError) as e:
            document = {"errorMessage": f"Unable to marshal response: {e}",
                        "errorType": "Runtime.MarshalError", "requestId": request_id, "stackTrace": []}
            log_error(document)
            api.error(request_id, document)
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        api.respond(request_id, payload)


if __name__ == "__main__":
    main()
