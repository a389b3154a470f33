#!/usr/bin/python3
"""Conformance of nimbus-sim's control plane with boto3 (Debian's /usr/bin/python3).

    boto3_conformance.py PATH/TO/bin      (the folder holding nimbus-sim)

Starts a simulator on a throwaway project and drives the Lambda API through boto3 as a
user's code would. Prints "ok - NAME" or "FAIL - NAME: detail" per check and exits 1 if
any failed. The simulator is stopped and the temporary folder removed however it ends.
"""

import base64
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

# Nothing from the user's AWS set-up leaks in (set before botocore reads it).
for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"):
    os.environ.pop(variable, None)
os.environ.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                  AWS_EC2_METADATA_DISABLED="true")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/conformance"
HANDLER_SOURCE = """import json
VERSION = "%s"
def main(event, context):
    print("conformance-line from", context.function_name, json.dumps(event, sort_keys=True))
    return {"version": VERSION, "echo": event}
"""

failures = 0


def ok(name):
    print(f"ok - {name}", flush=True)


def fail(name, detail):
    global failures
    failures += 1
    print(f"FAIL - {name}: {detail}", flush=True)


def check(name, condition, detail=""):
    ok(name) if condition else fail(name, detail)


def expect_equal(name, want, got):
    check(name, want == got, f"expected {want!r}, got {got!r}")


class Simulator:
    """A nimbus-sim serving a temporary project, stopped (SIGTERM) on exit."""

    def __init__(self, bin_dir):
        self.work = tempfile.mkdtemp(prefix="nimbus-boto3-conformance.")
        self.project = os.path.join(self.work, "project")
        os.makedirs(self.project)
        with open(os.path.join(self.project, "serverless.yml"), "w") as f:
            f.write("service: conf\nprovider:\n  name: aws\n  runtime: python3.11\n"
                    "functions:\n  devfn:\n    handler: handler.main\n")
        with open(os.path.join(self.project, "handler.py"), "w") as f:
            f.write("def main(event, context):\n    return {'dev': True}\n")
        env = dict(os.environ, PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
        self.log = open(os.path.join(self.work, "sim.log"), "w")
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "nimbus-sim"), "--project", self.project,
             "--async-retry-delay", "0.2"], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            self.state = self._read_state()
        except BaseException:
            self.close()
            raise

    def _read_state(self):
        path = os.path.join(self.project, ".nimbus", "sim.json")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with open(path) as f:
                    return json.load(f)
            except (OSError, ValueError):
                time.sleep(0.1)
        with open(os.path.join(self.work, "sim.log")) as f:
            raise RuntimeError(f"the simulator wrote no {path}; its log:\n{f.read()}")

    def client(self, secret=None, key=None):
        credentials = self.state["credentials"]
        return boto3.client(
            "lambda", endpoint_url=self.state["controlPlane"], region_name=self.state["region"],
            aws_access_key_id=key or credentials["accessKeyId"],
            aws_secret_access_key=secret or credentials["secretAccessKey"],
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1}))

    def stop(self):
        """SIGTERM, and SIGKILL if it still runs 10 s later; True if SIGTERM did it."""
        stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                stopped = False
        self.log.close()
        return stopped

    def close(self):
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def make_zip(version):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", HANDLER_SOURCE % version)
    return buffer.getvalue()


def invoke(client, name, event, **extra):
    """Invokes and returns (response, decoded answer)."""
    response = client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **extra)
    return response, json.loads(response["Payload"].read())


def error_of(call):
    """Runs call; returns (error code, HTTP status), or (None, None) when it succeeds."""
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def check_create(client):
    for name in ("alpha", "beta"):
        created = client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                         Handler="app.main", Code={"ZipFile": make_zip("v1")})
        expect_equal(f"create_function {name}", (name, "Active", "$LATEST"),
                     (created["FunctionName"], created["State"], created["Version"]))


def check_invoke_tail(client):
    response, answer = invoke(client, "alpha", {"n": 1}, LogType="Tail")
    expect_equal("invoke returns the handler's payload", {"version": "v1", "echo": {"n": 1}},
                 answer)
    expect_equal("invoke reports StatusCode 200 and ExecutedVersion $LATEST", (200, "$LATEST"),
                 (response["StatusCode"], response.get("ExecutedVersion")))
    log = base64.b64decode(response.get("LogResult", "")).decode()
    lines = log.splitlines()
    start = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[0] if lines else "")
    rid = start.group(1) if start else "?"
    check("invoke LogType=Tail returns START/log/END/REPORT",
          start and 'conformance-line from alpha {"n": 1}' in lines
          and f"END RequestId: {rid}" in lines
          and lines[-1].startswith(f"REPORT RequestId: {rid}\tDuration: "),
          f"LogResult {log[:300]!r}")


def check_versions_and_alias(client):
    expect_equal("publish_version makes version 1", "1",
                 client.publish_version(FunctionName="alpha")["Version"])
    client.update_function_code(FunctionName="alpha", ZipFile=make_zip("v2"))
    expect_equal("invoke after update_function_code runs the new code", "v2",
                 invoke(client, "alpha", {})[1]["version"])
    expect_equal("publish_version makes version 2", "2",
                 client.publish_version(FunctionName="alpha")["Version"])
    alias = client.create_alias(FunctionName="alpha", Name="live", FunctionVersion="1",
                                RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    expect_equal("create_alias echoes the RoutingConfig", {"2": 0.5},
                 alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"))
    counts, mismatched = {}, []
    for _ in range(40):
        response, answer = invoke(client, "alpha", {}, Qualifier="live")
        executed = response.get("ExecutedVersion")
        counts[executed] = counts.get(executed, 0) + 1
        if answer.get("version") != f"v{executed}":
            mismatched.append((executed, answer.get("version")))
    print(f"# ExecutedVersion over 40 invokes of the alias: {dict(sorted(counts.items()))}")
    # Each side of a 50% split gets at least 5 of 40 but for a chance of about 1e-7.
    check("a 50% alias runs both versions over 40 invokes",
          set(counts) == {"1", "2"} and min(counts.values()) >= 5,
          f"ExecutedVersion counts {counts}")
    check("each ExecutedVersion ran that version's code", not mismatched,
          f"(ExecutedVersion, code) {mismatched[:5]}")


def check_paginator(client):
    pages = list(client.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 1}))
    names = [f["FunctionName"] for page in pages for f in page["Functions"]]
    expect_equal("get_paginator('list_functions') pages one by one through every function",
                 (["alpha", "beta"], 2), (sorted(names), len([p for p in pages if p["Functions"]])))


def check_errors(sim, client):
    expect_equal("a missing function is ResourceNotFoundException, HTTP 404",
                 ("ResourceNotFoundException", 404),
                 error_of(lambda: client.get_function(FunctionName="no-such-function")))
    wrong = sim.client(secret="wrongwrongwrongwrongwrongwrongwrongwrong")
    expect_equal("a wrong secret is InvalidSignatureException, HTTP 403",
                 ("InvalidSignatureException", 403), error_of(wrong.list_functions))
    client.delete_function(FunctionName="beta")
    expect_equal("a deleted function is gone (ResourceNotFoundException, HTTP 404)",
                 ("ResourceNotFoundException", 404),
                 error_of(lambda: invoke(client, "beta", {})))


def main():
    if len(sys.argv) != 2 or not os.access(os.path.join(sys.argv[1], "nimbus-sim"), os.X_OK):
        print(f"usage: {sys.argv[0]} PATH/TO/bin   (the folder holding nimbus-sim)",
              file=sys.stderr)
        return 2
    began = time.monotonic()
    try:
        sim = Simulator(os.path.abspath(sys.argv[1]))
    except RuntimeError as e:
        fail("the simulator starts", e)
        return 1
    try:
        print(f"# nimbus-sim at {sim.state['controlPlane']}, boto3 {boto3.__version__}")
        client = sim.client()
        for step in (check_create, check_invoke_tail, check_versions_and_alias, check_paginator):
            try:
                step(client)
            except Exception as e:  # one broken step must not hide the others
                fail(step.__name__, f"{type(e).__name__}: {e}")
        try:
            check_errors(sim, client)
        except Exception as e:
            fail("check_errors", f"{type(e).__name__}: {e}")
        check("the simulator stops within 10 s of SIGTERM", sim.stop(), "it had to be killed")
        check("… and removes its sim.json",
              not os.path.exists(os.path.join(sim.project, ".nimbus", "sim.json")),
              "sim.json is left")
    finally:
        sim.close()
    print(f"# {failures} failed, {time.monotonic() - began:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # runs the finally: clean up
    sys.exit(main())
