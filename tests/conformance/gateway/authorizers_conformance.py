#!/usr/bin/python3
"""Conformance of the gateway's authorizers with real tokens and real HTTP clients.

    authorizers_conformance.py PATH/TO/bin      (the folder holding nimbus-sim)

Starts a simulator on a throwaway project whose routes are guarded by a REST token
authorizer (a Python function, its answers cached), an HTTP API request authorizer with
simple responses, and HTTP API JWT authorizers whose keys come from an OpenID Connect
issuer (discovery served here over HTTP) or from a file of the project. Tokens are signed
with PyJWT and keys made with python3-cryptography, as an identity provider makes them.
Prints "ok - NAME" or "FAIL - NAME: detail" per check and exits 1 if any failed; the
simulator and the issuer are stopped and the temporary folder removed however it ends.
"""

import base64
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

failures = 0


def ok(name):
    print(f"ok - {name}", flush=True)


def fail(name, detail):
    global failures
    failures += 1
    print(f"FAIL - {name}: {str(detail)[:600]}", flush=True)


def check(name, condition, detail=""):
    ok(name) if condition else fail(name, detail)


def b64url(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_jwk(key, kid):
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(numbers.n),
            "e": b64url(numbers.e)}


def ec_jwk(key, kid):
    numbers = key.public_key().public_numbers()
    size = 32
    coordinate = lambda v: base64.urlsafe_b64encode(v.to_bytes(size, "big")).rstrip(b"=").decode()  # noqa: E731
    return {"kty": "EC", "kid": kid, "crv": "P-256", "x": coordinate(numbers.x),
            "y": coordinate(numbers.y)}


class Issuer:
    """An OpenID Connect issuer: discovery document and key set over HTTP."""

    def __init__(self, jwks):
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                issuer.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/keys"}
                elif self.path == "/keys":
                    body = jwks
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


MANIFEST = """service: guarded
provider:
  name: aws
  runtime: python3.11
  environment:
    LEDGER: {ledger}
  httpApi:
    authorizers:
      oidc:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: {issuer}
        audience: [my-client]
      fileKeys:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: https://login.example.com/
        audience: my-client
      apiKey:
        type: request
        functionName: keyCheck
        identitySource: $request.header.x-api-key
        enableSimpleResponses: true
        resultTtlInSeconds: 0
custom:
  nimbus:
    authorizers:
      fileKeys:
        jwks: ./keys/jwks.json
functions:
  tokenCheck:
    handler: auth.token
  keyCheck:
    handler: auth.key
  rest:
    handler: app.show
    events:
      - http:
          method: get
          path: rest
          authorizer:
            name: tokenCheck
            resultTtlInSeconds: 300
  scoped:
    handler: app.show
    events:
      - httpApi:
          method: GET
          path: /scoped
          authorizer:
            name: oidc
            scopes: [orders/read]
  filed:
    handler: app.show
    events:
      - httpApi:
          method: GET
          path: /filed
          authorizer: fileKeys
  keyed:
    handler: app.show
    events:
      - httpApi:
          method: GET
          path: /keyed
          authorizer: apiKey
"""

AUTH = """import os

def note(line):
    with open(os.environ["LEDGER"], "a") as f:
        f.write(line + "\\n")

def policy(effect, arn, principal, context=None):
    answer = {"principalId": principal,
              "policyDocument": {"Version": "2012-10-17",
                                 "Statement": [{"Action": "execute-api:Invoke",
                                                "Effect": effect, "Resource": arn}]}}
    if context:
        answer["context"] = context
    return answer

def token(event, context):
    note("token " + event["authorizationToken"])
    value = event["authorizationToken"]
    if value == "Bearer allow-me":
        # Every method of the API: the answer is cached and applies to the next request.
        api = event["methodArn"].split("/")[0]
        return policy("Allow", api + "/*", "alice", {"tier": "gold", "visits": 3})
    if value == "Bearer deny-me":
        return policy("Deny", event["methodArn"], "mallory")
    raise Exception("Unauthorized")

def key(event, context):
    note("key " + event["headers"].get("x-api-key", ""))
    return {"isAuthorized": event["headers"].get("x-api-key") == "k1",
            "context": {"plan": "pro"}}
"""

APP = """import json

def show(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


class Simulator:
    def __init__(self, bin_dir, work, project):
        env = dict(os.environ, PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
        self.log = open(os.path.join(work, "sim.log"), "w")
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "nimbus-sim"), "--project", project, "--no-prewarm"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        state_file = os.path.join(project, ".nimbus", "sim.json")
        deadline = time.time() + 30
        self.state = None
        while time.time() < deadline and self.process.poll() is None:
            try:
                with open(state_file) as f:
                    state = json.load(f)
                if state.get("pid") == self.process.pid:
                    self.state = state
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        if not self.state:
            raise RuntimeError("the simulator did not start; see " + self.log.name)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def main(bin_dir):
    work = tempfile.mkdtemp(prefix="nimbus-authorizers.")
    project = os.path.join(work, "project")
    ledger = os.path.join(work, "ledger.txt")
    os.makedirs(os.path.join(project, "keys"))
    issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    file_key = ec.generate_private_key(ec.SECP256R1())
    issuer = Issuer({"keys": [rsa_jwk(issuer_key, "issuer-1")]})
    with open(os.path.join(project, "keys", "jwks.json"), "w") as f:
        json.dump({"keys": [ec_jwk(file_key, "file-1")]}, f)
    with open(os.path.join(project, "serverless.yml"), "w") as f:
        f.write(MANIFEST.format(ledger=ledger, issuer=issuer.url))
    with open(os.path.join(project, "auth.py"), "w") as f:
        f.write(AUTH)
    with open(os.path.join(project, "app.py"), "w") as f:
        f.write(APP)
    simulator = None
    try:
        simulator = Simulator(bin_dir, work, project)
        gateway = simulator.state["gateway"]
        ledger_lines = lambda: open(ledger).read().split("\n")[:-1] if os.path.exists(ledger) else []  # noqa: E731

        routes = json.loads(get(gateway + "/_nimbus/routes")[2])
        rest_route = next((r for r in routes if r["path"] == "/rest"), {})
        check("the routes list each route's authorizer",
              rest_route.get("authorizer", {}).get("type") == "token", rest_route)

        # REST: a token authorizer, its answers cached by token for the TTL.
        status, _, body = get(gateway + "/rest")
        check("REST: no token is 401 without calling the authorizer",
              status == 401 and json.loads(body) == {"message": "Unauthorized"} and not ledger_lines(),
              (status, body, ledger_lines()))
        status, _, body = get(gateway + "/rest", {"Authorization": "Bearer allow-me"})
        seen = json.loads(body) if status == 200 else {}
        check("REST: an allowing policy lets the request through with its context",
              status == 200 and seen.get("principalId") == "alice" and seen.get("tier") == "gold"
              and seen.get("visits") == "3", (status, body))
        get(gateway + "/rest", {"Authorization": "Bearer allow-me"})
        check("REST: the answer is cached for its TTL",
              ledger_lines().count("token Bearer allow-me") == 1, ledger_lines())
        status, _, body = get(gateway + "/rest", {"Authorization": "Bearer deny-me"})
        check("REST: a denying policy is 403", status == 403 and "explicit deny" in body, (status, body))
        status, _, body = get(gateway + "/rest", {"Authorization": "Bearer nobody"})
        check("REST: the authorizer's 'Unauthorized' error is 401", status == 401, (status, body))

        # HTTP API: a request authorizer with simple responses, not cached.
        status, _, body = get(gateway + "/keyed", {"x-api-key": "k1"})
        check("HTTP API request authorizer: isAuthorized true passes with its context",
              status == 200 and json.loads(body) == {"lambda": {"plan": "pro"}}, (status, body))
        status, _, body = get(gateway + "/keyed", {"x-api-key": "k2"})
        check("HTTP API request authorizer: isAuthorized false is 403",
              status == 403 and json.loads(body) == {"message": "Forbidden"}, (status, body))
        status, _, body = get(gateway + "/keyed")
        check("HTTP API request authorizer: a missing identity source is 401", status == 401, (status, body))
        get(gateway + "/keyed", {"x-api-key": "k1"})
        check("HTTP API request authorizer: a TTL of 0 asks every time",
              ledger_lines().count("key k1") == 2, ledger_lines())

        # HTTP API: JWT authorizers, keys from the issuer's discovery document.
        now = int(time.time())
        claims = {"iss": issuer.url, "aud": "my-client", "sub": "user-42", "iat": now,
                  "exp": now + 600, "scope": "openid orders/read"}
        good = jwt.encode(claims, issuer_key, algorithm="RS256", headers={"kid": "issuer-1"})
        status, _, body = get(gateway + "/scoped", {"Authorization": "Bearer " + good})
        seen = json.loads(body) if status == 200 else {}
        check("JWT: a valid token passes with its claims and scopes",
              status == 200 and seen.get("jwt", {}).get("claims", {}).get("sub") == "user-42"
              and "orders/read" in (seen.get("jwt", {}).get("scopes") or []), (status, body))
        check("JWT: the keys come from the issuer's discovery document",
              issuer.requests[:2] == ["/.well-known/openid-configuration", "/keys"], issuer.requests)
        expired = jwt.encode(dict(claims, exp=now - 10), issuer_key, algorithm="RS256",
                             headers={"kid": "issuer-1"})
        status, headers, body = get(gateway + "/scoped", {"Authorization": "Bearer " + expired})
        check("JWT: an expired token is 401 with WWW-Authenticate",
              status == 401 and "invalid_token" in headers.get("www-authenticate", headers.get("WWW-Authenticate", "")),
              (status, headers, body))
        wrong_audience = jwt.encode(dict(claims, aud="someone-else"), issuer_key, algorithm="RS256",
                                    headers={"kid": "issuer-1"})
        status, _, body = get(gateway + "/scoped", {"Authorization": "Bearer " + wrong_audience})
        check("JWT: another audience is 401", status == 401, (status, body))
        forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "issuer-1"})
        status, _, body = get(gateway + "/scoped", {"Authorization": "Bearer " + forged})
        check("JWT: a token signed by another key is 401", status == 401, (status, body))
        unscoped = jwt.encode(dict(claims, scope="openid"), issuer_key, algorithm="RS256",
                              headers={"kid": "issuer-1"})
        status, _, body = get(gateway + "/scoped", {"Authorization": "Bearer " + unscoped})
        check("JWT: a token without the route's scope is 403", status == 403, (status, body))
        status, _, body = get(gateway + "/scoped")
        check("JWT: no token is 401", status == 401, (status, body))

        # Keys from a file of the project (an EC key).
        filed = jwt.encode(dict(claims, iss="https://login.example.com/"), file_key, algorithm="ES256",
                           headers={"kid": "file-1"})
        status, _, body = get(gateway + "/filed", {"Authorization": filed})
        check("JWT: keys from a file of the project (ES256) accept a valid token",
              status == 200 and json.loads(body).get("jwt", {}).get("claims", {}).get("iss")
              == "https://login.example.com/", (status, body))
    except Exception as e:  # noqa: BLE001
        fail("the run", repr(e))
    finally:
        if simulator:
            simulator.stop()
            if failures:
                with open(simulator.log.name) as f:
                    for line in f.read().splitlines()[-40:]:
                        print("#   " + line)
        issuer.stop()
        if os.environ.get("CONFORMANCE_KEEP"):
            print("# kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.exists(os.path.join(sys.argv[1], "nimbus-sim")):
        print("usage: authorizers_conformance.py PATH/TO/bin", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(os.path.abspath(sys.argv[1])))
