# An http service for tst_gateway: a plain standard-library web server on $PORT.
import base64
import hashlib
import json
import os
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("service:", fmt % args, flush=True)

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, {"ok": True})
        if self.path.startswith("/slow"):
            time.sleep(0.5)
            return self.reply(200, {"pid": os.getpid()})
        if self.path == "/hang":
            time.sleep(8)
            return self.reply(200, {"late": True})
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for word in (b"one\n", b"two\n", b"three\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(word), word))
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/ws":
            return self.websocket()
        self.reply(200, {"path": self.path, "prefix": self.headers.get("X-Forwarded-Prefix"),
                         "forwardedFor": self.headers.get("X-Forwarded-For"), "pid": os.getpid(),
                         "env": os.environ.get("GREETING"),
                         "bound": self.server.socket.getsockname()[0]})

    def do_POST(self):
        body = self.read_body()
        self.reply(200, {"length": len(body), "sha1": hashlib.sha1(body).hexdigest(),
                         "chunked": self.headers.get("Transfer-Encoding") == "chunked"})

    def websocket(self):
        accept = base64.b64encode(hashlib.sha1(
            (self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        # One masked text frame in, one text frame out.
        head = self.rfile.read(2)
        length = head[1] & 0x7F
        mask = self.rfile.read(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
        answer = b"echo: " + payload
        self.wfile.write(bytes([0x81, len(answer)]) + answer)
        self.wfile.flush()
        self.close_connection = True


# SERVICE_BIND: where it asks to listen (svcEverywhere asks for every interface).
ThreadingHTTPServer((os.environ.get("SERVICE_BIND", "127.0.0.1"), int(os.environ["PORT"])),
                    Handler).serve_forever()
