"""Nimbus http functions in Python: the gateway's request becomes a Flask-style request
object, and whatever the function returns becomes the response, as Flask (and the Google
Functions Framework, which runs on Flask) would make it.

The gateway sends {method, path, query, headers: [[name, value]...], body (base64),
mountPath, sourceIp, protocol, requestId}; we answer {statusCode, multiValueHeaders,
body (base64), isBase64Encoded: true}.
"""
import base64
import json
from urllib.parse import parse_qsl, unquote

class MultiDict:
    """Several values per key, the first one by default (werkzeug's MultiDict, in short)."""

    def __init__(self, pairs=()):
        self._pairs = list(pairs)

    def get(self, key, default=None, type=None):
        for k, v in self._pairs:
            if k == key:
                if type is None:
                    return v
                try:
                    return type(v)
                except (ValueError, TypeError):
                    return default
        return default

    def getlist(self, key, type=None):
        values = [v for k, v in self._pairs if k == key]
        return [type(v) for v in values] if type else values

    def __getitem__(self, key):
        for k, v in self._pairs:
            if k == key:
                return v
        raise KeyError(key)

    def __contains__(self, key):
        return any(k == key for k, _ in self._pairs)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def keys(self):
        seen = []
        for k, _ in self._pairs:
            if k not in seen:
                seen.append(k)
        return seen

    def items(self, multi=False):
        return list(self._pairs) if multi else [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]

    def to_dict(self, flat=True):
        return {k: (self[k] if flat else self.getlist(k)) for k in self.keys()}

    def __repr__(self):
        return f"MultiDict({self._pairs!r})"


class Headers(MultiDict):
    """Request headers: names are matched without regard to case."""

    def get(self, key, default=None, type=None):
        return super().get(key.lower(), default, type)

    def getlist(self, key, type=None):
        return super().getlist(key.lower(), type)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return super().__contains__(key.lower())

    def items(self, multi=True):
        return [(self._names[k], v) for k, v in self._pairs] if multi else \
            [(self._names[k], self[k]) for k in self.keys()]

    def __init__(self, pairs):
        pairs = list(pairs)
        self._names = {name.lower(): name for name, _ in pairs}
        super().__init__((name.lower(), value) for name, value in pairs)


class BadRequest(Exception):
    """Raised like werkzeug's BadRequest when the body cannot be read as asked."""
    code = 400


class Request:
    def __init__(self, event):
        self.method = event["method"]
        self.headers = Headers(event.get("headers", []))
        raw_path = event.get("path") or "/"
        self.path = unquote(raw_path)
        self.script_root = event.get("mountPath", "")
        self.query_string = event.get("query", "").encode()
        self.args = MultiDict(parse_qsl(event.get("query", ""), keep_blank_values=True))
        self.data = base64.b64decode(event.get("body") or "")
        self.remote_addr = event.get("sourceIp")
        self.scheme = "http"
        self.host = self.headers.get("host", "localhost")
        self.host_url = f"{self.scheme}://{self.host}/"
        self.base_url = self.host_url.rstrip("/") + self.script_root + self.path
        self.url = self.base_url + (("?" + event["query"]) if event.get("query") else "")
        self.full_path = self.path + "?" + event.get("query", "")
        self.url_root = self.host_url.rstrip("/") + self.script_root + "/"
        self.environ = {"REQUEST_METHOD": self.method, "PATH_INFO": self.path,
                        "SCRIPT_NAME": self.script_root, "QUERY_STRING": event.get("query", ""),
                        "REMOTE_ADDR": self.remote_addr, "SERVER_PROTOCOL": event.get("protocol"),
                        "wsgi.url_scheme": self.scheme}
        self.request_id = event.get("requestId")
        self._json = None

    @property
    def content_type(self):
        return self.headers.get("content-type")

    @property
    def mimetype(self):
        return (self.content_type or "").split(";")[0].strip().lower()

    @property
    def content_length(self):
        return len(self.data)

    @property
    def is_json(self):
        m = self.mimetype
        return m == "application/json" or (m.startswith("application/") and m.endswith("+json"))

    def get_data(self, cache=True, as_text=False, parse_form_data=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data

    def get_json(self, force=False, silent=False, cache=True):
        if not (force or self.is_json):
            if silent:
                return None
            raise BadRequest("Did not attempt to load JSON data because the request "
                             "Content-Type was not 'application/json'.")
        try:
            return json.loads(self.data) if self.data else None
        except ValueError as e:
            if silent:
                return None
            raise BadRequest(f"Failed to decode JSON object: the body is not valid JSON ({e})") from None

    @property
    def json(self):
        return self.get_json()

    @property
    def form(self):
        if self.mimetype != "application/x-www-form-urlencoded":
            return MultiDict()
        return MultiDict(parse_qsl(self.data.decode("utf-8", "replace"), keep_blank_values=True))

    @property
    def values(self):
        return MultiDict(self.args.items(multi=True) + self.form.items(multi=True))

    @property
    def cookies(self):
        jar = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
        return jar

    def __repr__(self):
        return f"<Request '{self.url}' [{self.method}]>"


def _status(value):
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text.split()[0])


def _header_pairs(headers):
    if headers is None:
        return []
    if hasattr(headers, "items"):
        items = headers.items()
        return [(str(k), str(v)) for k, v in items]
    return [(str(k), str(v)) for k, v in headers]


def make_response(result):
    """What a Flask view may return, as the gateway's response document."""
    status, headers = 200, []
    if isinstance(result, tuple):
        if len(result) == 3:
            result, status, extra = result
            headers = _header_pairs(extra)
        elif len(result) == 2:
            result, second = result
            if isinstance(second, (int, str)) and not hasattr(second, "items"):
                status = second
            else:
                headers = _header_pairs(second)
        else:
            raise TypeError("The view function did not return a valid response tuple. The tuple "
                            "must have the form (body, status, headers), (body, status), or (body, headers).")
    status = _status(status)
    if hasattr(result, "status_code") and hasattr(result, "get_data"):
        # A Flask/Werkzeug response object, used as it is.
        body = result.get_data()
        pairs = _header_pairs(result.headers)
        if status == 200:
            status = result.status_code
        pairs += headers
        return _document(status, pairs, body)
    if isinstance(result, (dict, list)):
        body = json.dumps(result).encode() + b"\n"
        content_type = "application/json"
    elif isinstance(result, str):
        body, content_type = result.encode(), "text/html; charset=utf-8"
    elif isinstance(result, (bytes, bytearray)):
        body, content_type = bytes(result), "text/html; charset=utf-8"
    else:
        raise TypeError("The view function did not return a valid response. The function either "
                        "returned None or ended without a return statement." if result is None else
                        f"The view function did not return a valid response. The return type must be "
                        f"a string, dict, list, tuple with headers or status, Response instance, but it "
                        f"was a {type(result).__name__}.")
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers = [("Content-Type", content_type)] + headers
    return _document(status, headers, body)


def _document(status, pairs, body):
    multi = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {"statusCode": status, "multiValueHeaders": multi,
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def adapt(function):
    """The handler the bootstrap runs: (event, context) -> response document."""
    def handler(event, context):
        request = Request(event)
        try:
            return make_response(function(request))
        except BadRequest as e:
            # As Flask answers a body it cannot parse.
            return _document(400, [("Content-Type", "text/html; charset=utf-8")],
                             f"<h1>Bad Request</h1><p>{e}</p>".encode())
    return handler
