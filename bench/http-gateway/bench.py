#!/usr/bin/env python3
"""Gateway benchmark: throughput and latency with wrk for hello http functions, http
services and event functions under nimbus-sim, beside the same Node handler served by
@google-cloud/functions-framework and the same event handler under serverless-offline,
all measured in one run on one machine.

    bench.py --nimbus-sim PATH [--duration S] [--connections N,N,...] [--runs N]

Each target is measured at every connection count (default 10 and 50), and every row
reports p99 beside p50; nimbus's rows also say how many instances the function had when
the row ended (read from the simulator's /_nimbus/instances, signed as the AWS CLI signs).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(HERE, "project")
BIN = os.path.join(HERE, "node_modules", ".bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=60):
    """Until the URL answers 200 (a first request also warms the target up)."""
    deadline = time.time() + timeout
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1] if "/" in url.split("//")[1] else "/"
    while time.time() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=5) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def to_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise RuntimeError(f"cannot read wrk's latency '{text}'")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, duration, connections, threads):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    if "Latency Distribution" not in out:
        raise RuntimeError(f"{url}: wrk measured nothing:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    distribution = out.split("Latency Distribution", 1)[1]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)\s*$", distribution, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)\s*$", distribution, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if errors or socket_errors:
        raise RuntimeError(f"{url}: errors under load:\n{out}")
    return {"rps": rps, "p50": p50, "p99": p99}


def instance_counts(state):
    """Instances per function now, from the simulator's snapshot (a SigV4-signed GET)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = state["controlPlane"] + "/_nimbus/instances"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(state["credentials"]["accessKeyId"], state["credentials"]["secretAccessKey"]),
              "lambda", state.get("region", "us-east-1")).add_auth(request)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(request.headers)), timeout=10) as answer:
        snapshot = json.load(answer)
    counts = {}
    for instance in snapshot.get("instances", []):
        counts[instance["function"]] = counts.get(instance["function"], 0) + 1
    return counts


class Server:
    def __init__(self, args, cwd, env=None):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(args, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nimbus-sim", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="10,50",
                        help="connection counts, comma-separated; each target is measured at each")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per target; the median run is kept")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")

    levels = [int(c) for c in str(args.connections).split(",") if c.strip()]
    results = {}  # (name, connections) -> {rps, p50, p99[, instances]}

    def measure(name, url, instances=None):
        wait_for(url)
        for connections in levels:
            wrk(url, 2, connections, args.threads)  # warm-up: instances started, JITs warm
            runs = sorted((wrk(url, args.duration, connections, args.threads) for _ in range(args.runs)),
                          key=lambda r: r["rps"])
            r = results[(name, connections)] = runs[len(runs) // 2]
            if instances:
                r["instances"] = instances()
            print(f"  {name} -c{connections}: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, "
                  f"p99 {r['p99']:.2f} ms" + (f", {r['instances']} instance(s)" if instances else ""),
                  file=sys.stderr)

    state_dir = os.path.join(PROJECT, ".nimbus")
    shutil.rmtree(state_dir, ignore_errors=True)
    sim = Server([args.nimbus_sim, "--project", PROJECT, "--no-watch", "--keep-alive", "600"], PROJECT)
    try:
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(state_dir, "sim.json")) and time.time() < deadline:
            time.sleep(0.05)
        state = json.load(open(os.path.join(state_dir, "sim.json")))
        gateway = state["gateway"]
        for name, path, function in [("nimbus: Node http function", "/node-fn", "nodeFn"),
                                     ("nimbus: Python http function", "/py-fn", "pyFn"),
                                     ("nimbus: Node http service", "/node-svc/", "nodeSvc"),
                                     ("nimbus: Python http service", "/py-svc/", "pySvc"),
                                     ("nimbus: Node event function (httpApi)", "/node-event", "nodeEvent"),
                                     ("nimbus: Python event function (httpApi)", "/py-event", "pyEvent")]:
            measure(name, gateway + path, lambda f=function: instance_counts(state).get(f, 0))
    finally:
        sim.stop()

    port = free_port()
    ff = Server([os.path.join(BIN, "functions-framework"), "--target=hello", "--source=ff.js",
                 f"--port={port}"], PROJECT, dict(os.environ, NODE_ENV="production"))
    try:
        measure("Functions Framework: Node hello", f"http://127.0.0.1:{port}/")
    finally:
        ff.stop()

    port, lambda_port = free_port(), free_port()
    offline = Server([os.path.join(BIN, "serverless"), "offline", "--config", "offline.yml",
                      "--httpPort", str(port), "--lambdaPort", str(lambda_port), "--noPrependStageInUrl"],
                     PROJECT, dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off"))
    try:
        measure("serverless-offline: Node event function", f"http://127.0.0.1:{port}/node-event")
    except Exception:
        print(offline.output(), file=sys.stderr)
        raise
    finally:
        offline.stop()

    print(f"wrk -t{args.threads}, -c{' and -c'.join(map(str, levels))}, -d{args.duration}s, "
          f"median of {args.runs} runs each\n")
    print("| target | connections | requests/s | p50 | p99 | instances |")
    print("|---|---|---|---|---|---|")
    for (name, connections), r in results.items():
        print(f"| {name} | {connections} | {r['rps']:.0f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | "
              f"{r.get('instances', '')} |")
    print()
    for connections in levels:
        fn = results[("nimbus: Node http function", connections)]
        ff_r = results[("Functions Framework: Node hello", connections)]
        ev = results[("nimbus: Node event function (httpApi)", connections)]
        off = results[("serverless-offline: Node event function", connections)]
        py = results[("nimbus: Python http function", connections)]
        p99_ratio = fn["p99"] / ff_r["p99"]
        rps_ratio = fn["rps"] / ff_r["rps"]
        ev_p99 = ev["p99"] / off["p99"]
        ev_rps = ev["rps"] / off["rps"]
        py_tail = py["p99"] / py["p50"]
        print(f"-c{connections}: Node http function vs Functions Framework: p99 {p99_ratio:.2f}x "
              f"({'met' if p99_ratio <= 1.0 else 'MISSED'}: at most 1.0x), requests/s {rps_ratio:.2f}x "
              f"({'met' if rps_ratio >= 1.3 else 'MISSED'}: at least 1.3x)")
        print(f"-c{connections}: Node event function vs serverless-offline: p99 {ev_p99:.2f}x "
              f"({'met' if ev_p99 <= 1.0 else 'MISSED'}: at most 1.0x), requests/s {ev_rps:.1f}x "
              f"({'met' if ev_rps >= 10 else 'MISSED'}: at least 10x)")
        if connections == 10:
            print(f"-c10: Python http function p99 / p50: {py_tail:.1f}x "
                  f"({'met' if py_tail <= 2.0 else 'MISSED'}: at most 2x)")
    shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
