"""serverless-wsgi's entry point, for projects that run a Flask or Django app through it.

The plugin writes a wsgi_handler.py into the package when it deploys; a project on disk
has none, so the Nimbus runtime finds this one instead (it is last on sys.path: a project's
own wsgi_handler.py wins). It serves the WSGI application NIMBUS_WSGI_APP names
(custom.wsgi.app, as 'module.attribute') with API Gateway events, REST (payload 1.0) and
HTTP API (payload 2.0), as the plugin's handler does.
"""
import base64
import importlib
import io
import os
import sys
from urllib.parse import unquote, urlencode

_app = None


def _load_app():
    global _app
    if _app is None:
        spec = os.environ.get("NIMBUS_WSGI_APP", "")
        module_name, _, attribute = spec.rpartition(".")
        if not module_name:
            raise RuntimeError("serverless-wsgi: custom.wsgi.app must be 'module.attribute', "
                               "e.g. app.app, not %r" % spec)
        # 'api/app.app', as the plugin has it: api/ goes on sys.path and 'app' is imported,
        # so the app's own imports of its neighbours work.
        folder, _, module_name = module_name.rpartition("/")
        if folder:
            sys.path.insert(0, os.path.join(os.environ.get("LAMBDA_TASK_ROOT", "."), folder))
        module = importlib.import_module(module_name)
        _app = getattr(module, attribute)
    return _app


def _environ(event, context):
    http = event.get("requestContext", {}).get("http")
    if http:  # HTTP API, payload 2.0
        method, path = http["method"], unquote(event.get("rawPath", "/"))
        query = event.get("rawQueryString", "")
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
        source_ip = http.get("sourceIp", "127.0.0.1")
    else:  # REST API, payload 1.0
        method, path = event["httpMethod"], event.get("path", "/")
        multi = event.get("multiValueQueryStringParameters") or {}
        single = event.get("queryStringParameters") or {}
        query = urlencode([(k, v) for k, vs in multi.items() for v in vs] if multi
                          else list(single.items()))
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        source_ip = event.get("requestContext", {}).get("identity", {}).get("sourceIp",
                                                                          "127.0.0.1")
    body = event.get("body") or ""
    body = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    host = headers.get("host", "localhost")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": source_ip,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": headers.get("content-type", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "serverless.event": event,
        "serverless.context": context,
    }
    for name, value in headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            environ[key] = value
    return environ, http is not None


def handler(event, context):
    if "httpMethod" not in event and "http" not in event.get("requestContext", {}):
        raise RuntimeError("serverless-wsgi: this function serves HTTP events (http or "
                           "httpApi); the event has neither httpMethod nor requestContext.http")
    environ, version2 = _environ(event, context)
    status_headers = {}

    def start_response(status, headers, exc_info=None):
        status_headers["status"] = int(status.split(" ", 1)[0])
        status_headers["headers"] = headers
        return lambda data: None

    result = _load_app()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = {}
    multi = {}
    for name, value in status_headers.get("headers", []):
        multi.setdefault(name, []).append(value)
        headers[name] = value
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    textual = content_type.startswith("text/") or "json" in content_type or "xml" in content_type
    try:
        text = body.decode("utf-8") if textual or not body else None
    except UnicodeDecodeError:
        text = None
    response = {"statusCode": status_headers.get("status", 500),
                "body": text if text is not None else base64.b64encode(body).decode("ascii"),
                "isBase64Encoded": text is None}
    if version2:
        response["headers"] = {k: ", ".join(v) for k, v in multi.items() if k.lower() != "set-cookie"}
        cookies = multi.get("Set-Cookie", []) + multi.get("set-cookie", [])
        if cookies:
            response["cookies"] = cookies
    else:
        response["multiValueHeaders"] = multi
    return response
