#!/usr/bin/python3
"""Conformance of nimbus-sim's SQS and S3 endpoints and their triggers with boto3.

    triggers_conformance.py PATH/TO/bin      (the folder holding nimbus-sim)

Starts a simulator on a throwaway project with an sqs event (a CloudFormation queue with a
redrive policy, ReportBatchItemFailures) and an s3 event (bucket `uploads`, `.csv` keys),
then drives the SQS API (query protocol through Debian's boto3, and a few raw JSON-protocol
requests), the S3 API (path style) and the triggers as a user's code would; last it kills
the simulator with SIGKILL, starts it again and looks for what it had stored. Prints
"ok - NAME" or "FAIL - NAME: detail" per check and exits 1 if any failed. The simulator is
stopped and the temporary folder removed however it ends.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

# Nothing from the user's AWS set-up leaks in (set before botocore reads it).
for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"):
    os.environ.pop(variable, None)
os.environ.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                  AWS_EC2_METADATA_DISABLED="true")

import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "000000000000"
BUDGET = 80  # seconds after which no step starts (CTest's timeout is 180)
MB = 1024 * 1024

# {WORK} is the temporary folder: what the functions record goes there, outside the project
# (which the simulator watches for changes).
MANIFEST = """service: triggers
provider:
  name: aws
  runtime: python3.11
  region: us-east-1
functions:
  worker:
    handler: handler.worker
    environment:
      RECORD_FILE: {WORK}/worker-records.jsonl
    events:
      - sqs:
          arn: !GetAtt JobsQueue.Arn
          batchSize: 5
          functionResponseType: ReportBatchItemFailures
  uploaded:
    handler: handler.uploaded
    environment:
      RECORD_FILE: {WORK}/upload-records.jsonl
    events:
      - s3:
          bucket: uploads
          event: s3:ObjectCreated:*
          rules:
            - suffix: .csv
resources:
  Resources:
    JobsQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: jobs
        VisibilityTimeout: 1
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt JobsDeadLetters.Arn
          maxReceiveCount: 2
    JobsDeadLetters:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: jobs-dlq
"""

# Each function appends one JSON line per record it got; the worker reports bodies that
# start with "fail" as failed items.
HANDLER = """import json, os

def record(entry):
    with open(os.environ["RECORD_FILE"], "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\\n")

def worker(event, context):
    failures = []
    batch = [r["body"] for r in event["Records"]]
    for r in event["Records"]:
        record({"messageId": r["messageId"], "body": r["body"], "batch": batch,
                "receiveCount": r["attributes"]["ApproximateReceiveCount"],
                "eventSource": r["eventSource"], "eventSourceARN": r["eventSourceARN"],
                "messageAttributes": r["messageAttributes"]})
        if r["body"].startswith("fail"):
            failures.append({"itemIdentifier": r["messageId"]})
    return {"batchItemFailures": failures}

def uploaded(event, context):
    for r in event["Records"]:
        record({"eventName": r["eventName"], "eventSource": r["eventSource"],
                "bucket": r["s3"]["bucket"]["name"], "key": r["s3"]["object"]["key"],
                "size": r["s3"]["object"].get("size"), "eTag": r["s3"]["object"].get("eTag")})
"""

failures = 0
began = time.monotonic()


def ok(name):
    print(f"ok - {name}", flush=True)


def fail(name, detail):
    global failures
    failures += 1
    print(f"FAIL - {name}: {str(detail)[:600]}", flush=True)


def check(name, condition, detail=""):
    ok(name) if condition else fail(name, detail)


def expect_equal(name, want, got):
    check(name, want == got, f"expected {want!r}, got {got!r}")


def error_of(call):
    """Runs call; returns (error code, HTTP status), or (None, None) when it succeeds."""
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def wait_for(condition, seconds, step=0.1):
    """Calls condition until it returns something true or `seconds` pass; returns its last
    value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


class Simulator:
    """A nimbus-sim serving a temporary project; it can be killed and started again on the
    same project. Stopped (SIGTERM) and the folder removed by close()."""

    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix="nimbus-triggers-conformance.")
        self.project = os.path.join(self.work, "project")
        os.makedirs(self.project)
        with open(os.path.join(self.project, "serverless.yml"), "w") as f:
            f.write(MANIFEST.replace("{WORK}", self.work))
        with open(os.path.join(self.project, "handler.py"), "w") as f:
            f.write(HANDLER)
        self.process = None
        self.log = None
        self.log_path = None
        self.runs = 0
        self.state = None

    def path(self, name):
        return os.path.join(self.work, name)

    def start(self):
        """Starts a simulator and waits for its sim.json; tries again for a few seconds while
        a simulator killed before is still taken to serve the project."""
        deadline = time.monotonic() + 10
        while True:
            self.runs += 1
            self.log_path = self.path(f"sim-{self.runs}.log")
            self.log = open(self.log_path, "w")
            env = dict(os.environ, PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
            self.process = subprocess.Popen(
                [os.path.join(self.bin_dir, "nimbus-sim"), "--project", self.project,
                 "--async-retry-delay", "0.2"], stdout=self.log, stderr=subprocess.STDOUT,
                env=env)
            self.state = self._read_state(deadline)
            if self.state:
                return
            self.log.close()
            with open(self.log_path) as f:
                log = f.read()
            if "already serving" in log and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise RuntimeError(f"the simulator wrote no sim.json; its log:\n{log}")

    def _read_state(self, deadline):
        """The sim.json this run wrote (one left by a killed run names another pid)."""
        path = os.path.join(self.project, ".nimbus", "sim.json")
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with open(path) as f:
                    state = json.load(f)
                if state.get("pid") == self.process.pid:
                    return state
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        return None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def client(self, service, secret=None, **config):
        credentials = self.state["credentials"]
        return boto3.client(
            service, endpoint_url=self.state["controlPlane"], region_name=REGION,
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=secret or credentials["secretAccessKey"],
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1},
                          **config))

    def s3(self, secret=None):
        return self.client("s3", secret=secret, signature_version="s3v4",
                           s3={"addressing_style": "path"})

    def kill(self):
        """SIGKILL: no chance to tidy up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        """SIGTERM, and SIGKILL if it still runs 10 s later; True if SIGTERM did it."""
        stopped = True
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                stopped = False
        if self.log:
            self.log.close()
        return stopped

    def instances(self):
        """Pids of processes working in the temporary folder (function instances)."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink(f"/proc/{entry}/cwd").startswith(self.work + os.sep):
                        pids.append(int(entry))
                except OSError:
                    pass
        return pids

    def close(self):
        self.stop()
        # Instances a killed simulator left behind are its (and so this script's) children.
        for pid in self.instances():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if failures:
            for run in range(1, self.runs + 1):
                try:
                    with open(self.path(f"sim-{run}.log")) as f:
                        lines = f.read().splitlines()[-30:]
                except OSError:
                    continue
                print(f"# the simulator's log (run {run}), last 30 lines:")
                for line in lines:
                    print(f"#   {line}")
        shutil.rmtree(self.work, ignore_errors=True)


def records(path):
    """The JSON lines a function appended so far."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line being written
    return out


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


# --- SQS through boto3 (query protocol) ------------------------------------------------------

def check_sqs_queues(sim, sqs):
    url = sqs.create_queue(QueueName="conf-api", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    expect_equal("create_queue returns http://127.0.0.1:PORT/000000000000/NAME",
                 f"{sim.state['controlPlane'].rstrip('/')}/{ACCOUNT}/conf-api", url)
    expect_equal("create_queue again with the same attributes returns the same URL", url,
                 sqs.create_queue(QueueName="conf-api",
                                  Attributes={"VisibilityTimeout": "30"})["QueueUrl"])
    expect_equal("create_queue with other attributes is QueueAlreadyExists, HTTP 400",
                 ("QueueAlreadyExists", 400),
                 error_of(lambda: sqs.create_queue(QueueName="conf-api",
                                                   Attributes={"VisibilityTimeout": "31"})))
    expect_equal("get_queue_url", url, sqs.get_queue_url(QueueName="conf-api")["QueueUrl"])
    names = sorted(u.rsplit("/", 1)[-1] for u in sqs.list_queues().get("QueueUrls", []))
    check("list_queues lists the manifest's queues (jobs, jobs-dlq) and conf-api",
          {"jobs", "jobs-dlq", "conf-api"} <= set(names), f"listed {names}")
    expect_equal("list_queues QueueNamePrefix=conf- lists only conf-api", [url],
                 sqs.list_queues(QueueNamePrefix="conf-").get("QueueUrls"))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    expect_equal("get_queue_attributes: VisibilityTimeout, QueueArn, no messages",
                 ("30", queue_arn("conf-api"), "0"),
                 (attributes.get("VisibilityTimeout"), attributes.get("QueueArn"),
                  attributes.get("ApproximateNumberOfMessages")))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    expect_equal("set_queue_attributes changes VisibilityTimeout", "5",
                 sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
                 ["Attributes"].get("VisibilityTimeout"))
    jobs = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="jobs")["QueueUrl"],
                                    AttributeNames=["All"])["Attributes"]
    redrive = json.loads(jobs.get("RedrivePolicy", "{}"))
    expect_equal("the manifest's queue has its resource's VisibilityTimeout and RedrivePolicy",
                 ("1", queue_arn("jobs-dlq"), 2),
                 (jobs.get("VisibilityTimeout"), redrive.get("deadLetterTargetArn"),
                  int(redrive.get("maxReceiveCount", 0))))
    return url


def check_sqs_messages(sim, sqs, url):
    # boto3 checks MD5OfMessageBody and MD5OfMessageAttributes itself (a mismatch raises).
    attributes = {"kind": {"DataType": "String", "StringValue": "greeting"},
                  "count": {"DataType": "Number", "StringValue": "42"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello, queue", MessageAttributes=attributes)
    expect_equal("send_message with attributes: MD5s boto3 accepts",
                 hashlib.md5(b"hello, queue").hexdigest(), sent.get("MD5OfMessageBody"))
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                              MessageAttributeNames=["All"], WaitTimeSeconds=1).get("Messages", [])
    message = got[0] if got else {}
    expect_equal("receive_message returns the message, its attributes and receive count 1",
                 (sent["MessageId"], "hello, queue", attributes, "1"),
                 (message.get("MessageId"), message.get("Body"), message.get("MessageAttributes"),
                  message.get("Attributes", {}).get("ApproximateReceiveCount")))
    expect_equal("while invisible the message is not received again", [],
                 sqs.receive_message(QueueUrl=url).get("Messages", []))
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                  VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                                WaitTimeSeconds=1).get("Messages", [])
    expect_equal("change_message_visibility 0 makes it visible (receive count 2)",
                 [(sent["MessageId"], "2")],
                 [(m["MessageId"], m["Attributes"].get("ApproximateReceiveCount")) for m in again])
    if again:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    counts = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                      "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    expect_equal("delete_message removes it", {"ApproximateNumberOfMessages": "0",
                                               "ApproximateNumberOfMessagesNotVisible": "0"},
                 counts)

    batch = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"e{i}", "MessageBody": f"batch-{i}",
         "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(i)}}}
        for i in range(3)])
    expect_equal("send_message_batch: three successful entries", (["e0", "e1", "e2"], []),
                 (sorted(e["Id"] for e in batch.get("Successful", [])), batch.get("Failed", [])))
    received = {}
    deadline = time.monotonic() + 5
    while len(received) < 3 and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", []):
            received[m["Body"]] = m["ReceiptHandle"]
    expect_equal("receive_message MaxNumberOfMessages=10 gets the batch",
                 ["batch-0", "batch-1", "batch-2"], sorted(received))
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": body.replace("-", ""), "ReceiptHandle": handle}
        for body, handle in received.items()] + [{"Id": "bogus", "ReceiptHandle": "not-a-receipt"}])
    expect_equal("delete_message_batch: the three succeed, a bad receipt handle fails alone",
                 (["batch0", "batch1", "batch2"], [("bogus", "ReceiptHandleIsInvalid", True)]),
                 (sorted(e["Id"] for e in deleted.get("Successful", [])),
                  [(e.get("Id"), e.get("Code"), e.get("SenderFault"))
                   for e in deleted.get("Failed", [])]))


def check_sqs_long_poll(sim, sqs, url):
    began_poll = time.monotonic()
    empty = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    waited = time.monotonic() - began_poll
    check("receive_message WaitTimeSeconds=1 on an empty queue waits about 1 s, gets nothing",
          not empty and 0.9 <= waited < 3, f"{len(empty)} messages after {waited:.2f}s")
    sender = sim.client("sqs")
    thread = threading.Timer(1.0, lambda: sender.send_message(QueueUrl=url,
                                                              MessageBody="while you wait"))
    began_poll = time.monotonic()
    thread.start()
    try:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    finally:
        thread.join()
    waited = time.monotonic() - began_poll
    check("a long poll returns as soon as another thread sends (WaitTimeSeconds=10)",
          [m["Body"] for m in got] == ["while you wait"] and 0.9 <= waited < 4,
          f"got {[m['Body'] for m in got]} after {waited:.2f}s")
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def check_sqs_purge_delete_errors(sim, sqs, url):
    for i in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=f"to purge {i}")
    sqs.purge_queue(QueueUrl=url)
    expect_equal("purge_queue empties the queue", ("0", []),
                 (sqs.get_queue_attributes(QueueUrl=url,
                                           AttributeNames=["ApproximateNumberOfMessages"])
                  ["Attributes"].get("ApproximateNumberOfMessages"),
                  sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])))
    expect_equal("delete_message with a bad receipt handle is ReceiptHandleIsInvalid, HTTP 400",
                 ("ReceiptHandleIsInvalid", 400),
                 error_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")))
    expect_equal("receive_message MaxNumberOfMessages=11 is InvalidParameterValue, HTTP 400",
                 ("InvalidParameterValue", 400),
                 error_of(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)))
    sqs.delete_queue(QueueUrl=url)
    expect_equal("get_queue_url after delete_queue is AWS.SimpleQueueService.NonExistentQueue",
                 ("AWS.SimpleQueueService.NonExistentQueue", 400),
                 error_of(lambda: sqs.get_queue_url(QueueName="conf-api")))
    try:
        sqs.send_message(QueueUrl=url, MessageBody="nobody home")
        caught = "no error"
    except sqs.exceptions.QueueDoesNotExist:
        caught = "QueueDoesNotExist"
    except ClientError as e:
        caught = e.response["Error"]["Code"]
    expect_equal("send_message to a deleted queue raises sqs.exceptions.QueueDoesNotExist",
                 "QueueDoesNotExist", caught)
    check("list_queues no longer lists it",
          url not in sqs.list_queues().get("QueueUrls", []), "still listed")


# --- SQS's JSON protocol, by hand ------------------------------------------------------------

def json_request(sim, action, body):
    """A SigV4-signed AmazonSQS.<action> request; returns (status, headers, decoded body)."""
    credentials = sim.state["credentials"]
    request = AWSRequest(method="POST", url=sim.state["controlPlane"].rstrip("/") + "/",
                         data=json.dumps(body).encode(),
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": f"AmazonSQS.{action}"})
    SigV4Auth(Credentials(credentials["accessKeyId"], credentials["secretAccessKey"]), "sqs",
              REGION).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                  headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            status, headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read()
    try:
        return status, headers, json.loads(text) if text else None
    except ValueError:
        return status, headers, text[:300]


def check_sqs_json_protocol(sim, sqs):
    url = sqs.create_queue(QueueName="conf-json")["QueueUrl"]
    status, headers, sent = json_request(sim, "SendMessage", {
        "QueueUrl": url, "MessageBody": "over JSON",
        "MessageAttributes": {"via": {"DataType": "String", "StringValue": "json"}}})
    expect_equal("JSON SendMessage: HTTP 200, MD5OfMessageBody, a MessageId",
                 (200, hashlib.md5(b"over JSON").hexdigest(), True),
                 (status, (sent or {}).get("MD5OfMessageBody"),
                  bool((sent or {}).get("MessageId"))))
    check("JSON SendMessage answers application/x-amz-json-1.0",
          "application/x-amz-json-1.0" in (headers.get("Content-Type") or ""),
          f"Content-Type {headers.get('Content-Type')!r}")
    status, _, received = json_request(sim, "ReceiveMessage", {
        "QueueUrl": url, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 2,
        "MessageAttributeNames": ["All"], "AttributeNames": ["All"]})
    messages = (received or {}).get("Messages", []) if isinstance(received, dict) else []
    message = messages[0] if messages else {}
    expect_equal("JSON ReceiveMessage returns the message with its attributes",
                 (200, (sent or {}).get("MessageId"), "over JSON",
                  {"via": {"DataType": "String", "StringValue": "json"}}, "1"),
                 (status, message.get("MessageId"), message.get("Body"),
                  message.get("MessageAttributes"),
                  message.get("Attributes", {}).get("ApproximateReceiveCount")))
    status, _, answer = json_request(sim, "ChangeMessageVisibility", {
        "QueueUrl": url, "ReceiptHandle": message.get("ReceiptHandle"), "VisibilityTimeout": 0})
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    expect_equal("JSON ChangeMessageVisibility 0 answers {} and the query protocol receives it",
                 (200, {}, ["over JSON"]), (status, answer, [m["Body"] for m in again]))
    status, headers, error = json_request(sim, "GetQueueUrl", {"QueueName": "no-such-queue"})
    expect_equal("a JSON error: HTTP 400, __type com.amazonaws.sqs#QueueDoesNotExist",
                 (400, "com.amazonaws.sqs#QueueDoesNotExist"),
                 (status, error.get("__type") if isinstance(error, dict) else error))
    expect_equal("… with x-amzn-query-error naming the query protocol's code",
                 "AWS.SimpleQueueService.NonExistentQueue;Sender",
                 headers.get("x-amzn-query-error"))
    status, _, error = json_request(sim, "NoSuchAction", {})
    check("an unknown JSON action is HTTP 400 with a __type",
          status == 400 and isinstance(error, dict) and error.get("__type"),
          f"HTTP {status}, {error!r}")
    sqs.delete_queue(QueueUrl=url)


# --- the sqs event source mapping ------------------------------------------------------------

def check_delivery(sim, sqs):
    jobs = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="jobs-dlq")["QueueUrl"]
    # One batch of three, so that the function most likely gets them together and reports
    # one of three failed.
    bodies = {"ok1": "ok-1", "ok2": "ok-2", "fail1": "fail-1"}
    sent = sqs.send_message_batch(QueueUrl=jobs, Entries=[
        {"Id": entry, "MessageBody": body,
         "MessageAttributes": {"body": {"DataType": "String", "StringValue": body}}}
        for entry, body in bodies.items()])
    ids = {bodies[e["Id"]]: e["MessageId"] for e in sent.get("Successful", [])}
    dead = []
    deadline = time.monotonic() + 20
    while not dead and time.monotonic() < deadline:
        dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"],
                                   MessageAttributeNames=["All"],
                                   WaitTimeSeconds=1).get("Messages", [])
    time.sleep(0.5)  # a third delivery, were one coming, would be under way by now
    got = records(sim.path("worker-records.jsonl"))
    batches = []
    for r in got:
        if r["batch"] not in batches:
            batches.append(r["batch"])
    print(f"# the batches the worker got: {batches}")
    runs = {body: [r["receiveCount"] for r in got if r["body"] == body] for body in bodies.values()}
    expect_equal("messages sent to the manifest's queue reach the function once each",
                 (["1"], ["1"]), (runs["ok-1"], runs["ok-2"]))
    first = next((r for r in got if r["body"] == "ok-1"), {})
    expect_equal("… as SQS event records (messageId, eventSource, eventSourceARN, attributes)",
                 (ids["ok-1"], "aws:sqs", queue_arn("jobs"), "ok-1"),
                 (first.get("messageId"), first.get("eventSource"), first.get("eventSourceARN"),
                  first.get("messageAttributes", {}).get("body", {}).get("stringValue")))
    expect_equal("a reported failure is redelivered after the visibility timeout, twice in all",
                 ["1", "2"], runs["fail-1"])
    message = dead[0] if dead else {}
    expect_equal("then it is in the DLQ (same MessageId, DeadLetterQueueSourceArn the queue's)",
                 (ids["fail-1"], "fail-1", queue_arn("jobs"), "fail-1"),
                 (message.get("MessageId"), message.get("Body"),
                  message.get("Attributes", {}).get("DeadLetterQueueSourceArn"),
                  message.get("MessageAttributes", {}).get("body", {}).get("StringValue")))
    counts = sqs.get_queue_attributes(
        QueueUrl=jobs, AttributeNames=["ApproximateNumberOfMessages",
                                       "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    expect_equal("the succeeded messages were deleted: the queue is empty",
                 {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"},
                 counts)


# --- S3 --------------------------------------------------------------------------------------

def check_s3_buckets_and_objects(sim, s3):
    s3.create_bucket(Bucket="conf-data")
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    check("list_buckets lists the created bucket and the manifest's (uploads)",
          {"conf-data", "uploads"} <= set(names), f"listed {names}")
    body = b"0123456789abcdef"
    put = s3.put_object(Bucket="conf-data", Key="docs/a.txt", Body=body, ContentType="text/plain",
                        Metadata={"owner": "conformance"})
    etag = f'"{hashlib.md5(body).hexdigest()}"'
    expect_equal("put_object answers the MD5 ETag", etag, put.get("ETag"))
    got = s3.get_object(Bucket="conf-data", Key="docs/a.txt")
    expect_equal("get_object returns body, ContentType, Metadata, ETag, ContentLength",
                 (body, "text/plain", {"owner": "conformance"}, etag, len(body)),
                 (got["Body"].read(), got.get("ContentType"), got.get("Metadata"),
                  got.get("ETag"), got.get("ContentLength")))
    part = s3.get_object(Bucket="conf-data", Key="docs/a.txt", Range="bytes=2-5")
    expect_equal("get_object Range bytes=2-5: HTTP 206, the bytes, Content-Range",
                 (206, b"2345", "bytes 2-5/16", 4),
                 (part["ResponseMetadata"]["HTTPStatusCode"], part["Body"].read(),
                  part.get("ContentRange"), part.get("ContentLength")))
    tail = s3.get_object(Bucket="conf-data", Key="docs/a.txt", Range="bytes=-3")
    expect_equal("get_object Range bytes=-3 (the last three)", (b"def", "bytes 13-15/16"),
                 (tail["Body"].read(), tail.get("ContentRange")))
    head = s3.head_object(Bucket="conf-data", Key="docs/a.txt")
    expect_equal("head_object: ContentLength, ContentType, Metadata, ETag",
                 (16, "text/plain", {"owner": "conformance"}, etag),
                 (head.get("ContentLength"), head.get("ContentType"), head.get("Metadata"),
                  head.get("ETag")))
    copied = s3.copy_object(Bucket="conf-data", Key="copies/a.txt",
                            CopySource={"Bucket": "conf-data", "Key": "docs/a.txt"})
    copy = s3.get_object(Bucket="conf-data", Key="copies/a.txt")
    expect_equal("copy_object copies body and metadata (CopyObjectResult.ETag)",
                 (etag, body, {"owner": "conformance"}, "text/plain"),
                 (copied.get("CopyObjectResult", {}).get("ETag"), copy["Body"].read(),
                  copy.get("Metadata"), copy.get("ContentType")))


def check_s3_listing(sim, s3):
    keys = ["docs/b.txt", "docs/sub/c.txt", "img/x.png", "top.txt", "with space+plus.txt"]
    for key in keys:
        s3.put_object(Bucket="conf-data", Key=key, Body=key.encode())
    everything = sorted(keys + ["docs/a.txt", "copies/a.txt"])
    # boto3 asks for encoding-type=url and decodes the keys itself.
    listed = s3.list_objects_v2(Bucket="conf-data")
    expect_equal("list_objects_v2 lists every key in order (encoding-type=url round trip)",
                 (everything, len(everything), False),
                 ([o["Key"] for o in listed.get("Contents", [])], listed.get("KeyCount"),
                  listed.get("IsTruncated")))
    expect_equal("list_objects_v2 Prefix=docs/",
                 ["docs/a.txt", "docs/b.txt", "docs/sub/c.txt"],
                 [o["Key"] for o in s3.list_objects_v2(Bucket="conf-data", Prefix="docs/")
                  .get("Contents", [])])
    rolled = s3.list_objects_v2(Bucket="conf-data", Delimiter="/")
    expect_equal("list_objects_v2 Delimiter=/: top-level keys and CommonPrefixes",
                 (["top.txt", "with space+plus.txt"], ["copies/", "docs/", "img/"]),
                 ([o["Key"] for o in rolled.get("Contents", [])],
                  [p["Prefix"] for p in rolled.get("CommonPrefixes", [])]))
    rolled = s3.list_objects_v2(Bucket="conf-data", Prefix="docs/", Delimiter="/")
    expect_equal("list_objects_v2 Prefix=docs/ Delimiter=/",
                 (["docs/a.txt", "docs/b.txt"], ["docs/sub/"]),
                 ([o["Key"] for o in rolled.get("Contents", [])],
                  [p["Prefix"] for p in rolled.get("CommonPrefixes", [])]))
    pages, token, seen = [], None, []
    for _ in range(10):
        page = s3.list_objects_v2(Bucket="conf-data", MaxKeys=2,
                                  **({"ContinuationToken": token} if token else {}))
        pages.append((page.get("KeyCount"), page.get("IsTruncated")))
        seen += [o["Key"] for o in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated"):
            break
    expect_equal("list_objects_v2 MaxKeys=2 pages with ContinuationToken through every key",
                 (everything, [(2, True), (2, True), (2, True), (1, False)]), (seen, pages))
    deleted = s3.delete_objects(Bucket="conf-data", Delete={"Objects": [
        {"Key": "docs/b.txt"}, {"Key": "img/x.png"}]})
    expect_equal("delete_objects deletes both keys", (["docs/b.txt", "img/x.png"], []),
                 (sorted(d["Key"] for d in deleted.get("Deleted", [])), deleted.get("Errors", [])))
    answer = s3.delete_object(Bucket="conf-data", Key="top.txt")
    expect_equal("delete_object answers 204 and the key is gone", (204, ("404", 404)),
                 (answer["ResponseMetadata"]["HTTPStatusCode"],
                  error_of(lambda: s3.head_object(Bucket="conf-data", Key="top.txt"))))
    expect_equal("what is left after the deletes",
                 ["copies/a.txt", "docs/a.txt", "docs/sub/c.txt", "with space+plus.txt"],
                 [o["Key"] for o in s3.list_objects_v2(Bucket="conf-data").get("Contents", [])])


def check_s3_multipart(sim, s3):
    data = os.urandom(20 * MB)
    source, copy = sim.path("big.bin"), sim.path("big.back")
    with open(source, "wb") as f:
        f.write(data)
    config = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB,
                            max_concurrency=4)
    s3.upload_file(source, "conf-data", "big.bin", Config=config)
    parts = [data[i:i + 8 * MB] for i in range(0, len(data), 8 * MB)]
    want = '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts))
                        .hexdigest(), len(parts))
    head = s3.head_object(Bucket="conf-data", Key="big.bin")
    expect_equal("a 20 MB upload_file (8 MB parts) makes ETag \"md5-of-md5s-3\"",
                 (want, 20 * MB), (head.get("ETag"), head.get("ContentLength")))
    s3.download_file("conf-data", "big.bin", copy, Config=config)
    with open(copy, "rb") as f:
        back = f.read()
    if back == data:
        ok("download_file gives the same 20 MB back, byte for byte")
    else:
        differs = next((i for i, (x, y) in enumerate(zip(back, data)) if x != y),
                       min(len(back), len(data)))
        fail("download_file gives the same 20 MB back, byte for byte",
             f"{len(back)} bytes, the first difference at byte {differs}")
    os.remove(copy)
    return want


def check_s3_errors(sim, s3):
    expect_equal("get_object on a missing key is NoSuchKey, HTTP 404", ("NoSuchKey", 404),
                 error_of(lambda: s3.get_object(Bucket="conf-data", Key="no/such/key")))
    expect_equal("get_object in a missing bucket is NoSuchBucket, HTTP 404", ("NoSuchBucket", 404),
                 error_of(lambda: s3.get_object(Bucket="no-such-bucket", Key="k")))
    expect_equal("list_objects_v2 on a missing bucket is NoSuchBucket, HTTP 404",
                 ("NoSuchBucket", 404),
                 error_of(lambda: s3.list_objects_v2(Bucket="no-such-bucket")))
    wrong = sim.s3(secret="wrongwrongwrongwrongwrongwrongwrongwrong")
    expect_equal("a wrong secret is SignatureDoesNotMatch, HTTP 403",
                 ("SignatureDoesNotMatch", 403), error_of(wrong.list_buckets))


def check_notifications(sim, s3):
    path = sim.path("upload-records.jsonl")
    s3.put_object(Bucket="uploads", Key="notes.txt", Body=b"not a csv")
    csv = b"a,b\n1,2\n"
    s3.put_object(Bucket="uploads", Key="report.csv", Body=csv)
    s3.put_object(Bucket="uploads", Key="monthly report.csv", Body=b"x\n")
    wait_for(lambda: len(records(path)) >= 2, 15)
    time.sleep(1)  # a notification for notes.txt, were one coming, would be here by now
    got = records(path)
    report = next((r for r in got if r["key"] == "report.csv"), {})
    expect_equal("putting report.csv into uploads invokes the function with ObjectCreated:Put",
                 ("ObjectCreated:Put", "aws:s3", "uploads", len(csv), hashlib.md5(csv).hexdigest()),
                 (report.get("eventName"), report.get("eventSource"), report.get("bucket"),
                  report.get("size"), report.get("eTag")))
    expect_equal("a key with a space comes form-encoded (monthly+report.csv)",
                 ["monthly+report.csv", "report.csv"], sorted(r["key"] for r in got))
    check("notes.txt (not .csv) invokes nothing", all(r["key"] != "notes.txt" for r in got),
          f"records {got}")


# --- durability ------------------------------------------------------------------------------

def check_durability(sim, multipart_etag):
    sqs, s3 = sim.client("sqs"), sim.s3()
    url = sqs.create_queue(QueueName="conf-durable")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="survives SIGKILL")["MessageId"]
    s3.put_object(Bucket="conf-data", Key="durable.txt", Body=b"still here", Metadata={"k": "v"})
    old_pid = sim.process.pid
    sim.kill()
    wait_for(lambda: not sim.instances(), 3)
    left = sim.instances()
    check("no function instance outlives the SIGKILLed simulator by 3 s", not left,
          f"processes still working in the temporary folder: {left}")
    try:
        sim.start()
    except RuntimeError as e:
        fail("the simulator starts again on the same project after SIGKILL", e)
        return
    ok("the simulator starts again on the same project after SIGKILL")
    print(f"# restarted: pid {old_pid} -> {sim.process.pid}, {sim.state['controlPlane']}")
    sqs, s3 = sim.client("sqs"), sim.s3()
    url = sqs.get_queue_url(QueueName="conf-durable")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
    expect_equal("the unconsumed message is still there after SIGKILL",
                 [(sent, "survives SIGKILL")], [(m["MessageId"], m["Body"]) for m in got])
    kept = s3.get_object(Bucket="conf-data", Key="durable.txt")
    expect_equal("the object is still there after SIGKILL (body and metadata)",
                 (b"still here", {"k": "v"}), (kept["Body"].read(), kept.get("Metadata")))
    if multipart_etag:
        head = s3.head_object(Bucket="conf-data", Key="big.bin")
        expect_equal("… and so is the multipart object", (multipart_etag, 20 * MB),
                     (head.get("ETag"), head.get("ContentLength")))
    sqs.delete_queue(QueueUrl=url)


def main():
    if len(sys.argv) != 2 or not os.access(os.path.join(sys.argv[1], "nimbus-sim"), os.X_OK):
        print(f"usage: {sys.argv[0]} PATH/TO/bin   (the folder holding nimbus-sim)",
              file=sys.stderr)
        return 2
    sim = Simulator(os.path.abspath(sys.argv[1]))
    try:
        try:
            sim.start()
        except RuntimeError as e:
            fail("the simulator starts", e)
            return 1
        print(f"# nimbus-sim at {sim.state['controlPlane']}, boto3 {boto3.__version__}")
        sqs, s3 = sim.client("sqs"), sim.s3()
        state = {"url": None, "etag": None}

        def queues():
            state["url"] = check_sqs_queues(sim, sqs)

        def messages():
            check_sqs_messages(sim, sqs, state["url"])

        def long_poll():
            check_sqs_long_poll(sim, sqs, state["url"])

        def purge():
            check_sqs_purge_delete_errors(sim, sqs, state["url"])

        def multipart():
            state["etag"] = check_s3_multipart(sim, s3)

        steps = [
            ("sqs queues", queues),
            ("sqs messages", messages),
            ("sqs long poll", long_poll),
            ("sqs purge, delete, errors", purge),
            ("sqs JSON protocol", lambda: check_sqs_json_protocol(sim, sqs)),
            ("sqs event source mapping", lambda: check_delivery(sim, sqs)),
            ("s3 buckets and objects", lambda: check_s3_buckets_and_objects(sim, s3)),
            ("s3 listing and deletes", lambda: check_s3_listing(sim, s3)),
            ("s3 multipart", multipart),
            ("s3 errors", lambda: check_s3_errors(sim, s3)),
            ("s3 notifications", lambda: check_notifications(sim, s3)),
        ]
        skipped = []
        for name, step in steps:
            if time.monotonic() - began > BUDGET or not sim.running():
                skipped.append(name)
                continue
            try:
                step()
            except Exception as e:  # one broken step must not hide the others
                fail(name, f"{type(e).__name__}: {e}")
        if skipped:
            why = "the simulator stopped" if not sim.running() else f"the {BUDGET}s budget is spent"
            fail("every check ran", f"{why}; not run: {', '.join(skipped)}")
        elif time.monotonic() - began <= BUDGET:
            try:
                check_durability(sim, state["etag"])
            except Exception as e:
                fail("durability", f"{type(e).__name__}: {e}")
        check("the simulator ran to the end", sim.running(),
              f"it exited with status {sim.process.returncode}")
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
