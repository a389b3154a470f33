#!/usr/bin/env python3
"""What a deploy costs the functions already running, run by `bench/run deploy`.

A client invokes a small function in a loop (its own process, boto3 from Debian) while
another uploads a large package with CreateFunction (35 MB of incompressible data and
150 MB of zeros: a 35 MB zip that inflates to 185 MB). The simulator must check, parse,
decode, inflate, hash and store that upload without holding up the other function's
invocations. Reported beside the same loop with no upload, in the same run: median, p99
and the worst invocation, as medians over --runs rounds.

    python3 bench.py --nimbus-sim build/bin/nimbus-sim [--runs 3]
"""
import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

import boto3

PINGER = r"""
import boto3, json, sys, time
s = json.load(open(sys.argv[1]))
c = boto3.client("lambda", endpoint_url=s["controlPlane"], region_name="us-east-1",
                 aws_access_key_id=s["credentials"]["accessKeyId"],
                 aws_secret_access_key=s["credentials"]["secretAccessKey"])
c.invoke(FunctionName="ping")
print("ready", flush=True)
sys.stdin.readline()
end = time.time() + float(sys.argv[2])
while time.time() < end:
    t = time.perf_counter()
    c.invoke(FunctionName="ping")
    print((time.perf_counter() - t) * 1000, flush=True)
    time.sleep(0.005)
"""


def start_simulator(binary, project):
    sim = subprocess.Popen([binary, "--project", project], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    state = os.path.join(project, ".nimbus", "sim.json")
    for _ in range(400):
        try:
            with open(state) as f:
                s = json.load(f)
            if s.get("pid") == sim.pid:
                return sim, state, s
        except (OSError, ValueError):
            pass
        time.sleep(0.025)
    sim.kill()
    sys.exit("nimbus-sim did not start")


def package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("h.py", 'def main(e, c):\n    return "big"\n')
        z.writestr("blob", os.urandom(35 << 20))
        z.writestr("zeros", b"\0" * (150 << 20))
    return buf.getvalue()


def round_(binary, zipbytes, upload):
    project = tempfile.mkdtemp(prefix="nimbus-deploy-stall-")
    try:
        with open(os.path.join(project, "serverless.yml"), "w") as f:
            f.write("service: stall\nprovider:\n  name: aws\n  runtime: python3.11\n"
                    "functions:\n  ping:\n    handler: h.main\n")
        with open(os.path.join(project, "h.py"), "w") as f:
            f.write('def main(e, c):\n    return "pong"\n')
        sim, state, s = start_simulator(binary, project)
        try:
            client = boto3.client(
                "lambda", endpoint_url=s["controlPlane"], region_name="us-east-1",
                aws_access_key_id=s["credentials"]["accessKeyId"],
                aws_secret_access_key=s["credentials"]["secretAccessKey"])
            pinger = subprocess.Popen([sys.executable, "-c", PINGER, state, "6"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            pinger.stdout.readline()
            pinger.stdin.write("go\n")
            pinger.stdin.flush()
            time.sleep(0.5)
            took = None
            if upload:
                t = time.perf_counter()
                client.create_function(FunctionName="big", Runtime="python3.11",
                                       Role="arn:aws:iam::000000000000:role/bench",
                                       Handler="h.main", Code={"ZipFile": zipbytes})
                took = (time.perf_counter() - t) * 1000
            latencies = sorted(float(x) for x in pinger.stdout.read().split())
            pinger.wait()
            return {"median": statistics.median(latencies),
                    "p99": latencies[int(len(latencies) * 0.99)],
                    "max": latencies[-1], "upload": took}
        finally:
            sim.terminate()
            sim.wait()
    finally:
        shutil.rmtree(project, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nimbus-sim", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    zipbytes = package()
    rows = {"no upload": [], "during a 35 MB CreateFunction": []}
    for _ in range(args.runs):  # interleaved, so both see the same machine
        rows["no upload"].append(round_(args.nimbus_sim, zipbytes, False))
        rows["during a 35 MB CreateFunction"].append(round_(args.nimbus_sim, zipbytes, True))
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    print(f"{args.runs} rounds, package {len(zipbytes) / 2**20:.0f} MB "
          f"(185 MB unzipped); upload took {med(rows['during a 35 MB CreateFunction'], 'upload'):.0f} ms\n")
    print("| invoke of another function | median | p99 | worst |")
    print("|---|---|---|---|")
    for name, rs in rows.items():
        print(f"| {name} | {med(rs, 'median'):.1f} ms | {med(rs, 'p99'):.1f} ms | "
              f"{med(rs, 'max'):.1f} ms |")


if __name__ == "__main__":
    main()
