#!/usr/bin/env python3
"""Gateway benchmark: throughput and latency with wrk for hello http functions, http
services and event functions under nimbus-sim, beside the same Node handler served by
@google-cloud/functions-framework and the same event handler under serverless-offline,
all measured in one run on one machine.

    bench.py --nimbus-sim PATH [--duration S] [--connections N] [--runs N]
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
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per target; the median run is kept")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")

    results = {}

    def measure(name, url):
        wait_for(url)
        wrk(url, 2, args.connections, args.threads)  # warm-up: instances started, JITs warm
        runs = sorted((wrk(url, args.duration, args.connections, args.threads) for _ in range(args.runs)),
                      key=lambda r: r["rps"])
        results[name] = runs[len(runs) // 2]
        r = results[name]
        print(f"  {name}: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms", file=sys.stderr)

    state_dir = os.path.join(PROJECT, ".nimbus")
    shutil.rmtree(state_dir, ignore_errors=True)
    sim = Server([args.nimbus_sim, "--project", PROJECT, "--no-watch", "--keep-alive", "600"], PROJECT)
    try:
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(state_dir, "sim.json")) and time.time() < deadline:
            time.sleep(0.05)
        gateway = json.load(open(os.path.join(state_dir, "sim.json")))["gateway"]
        for name, path in [("nimbus: Node http function", "/node-fn"),
                           ("nimbus: Python http function", "/py-fn"),
                           ("nimbus: Node http service", "/node-svc/"),
                           ("nimbus: Python http service", "/py-svc/"),
                           ("nimbus: Node event function (httpApi)", "/node-event"),
                           ("nimbus: Python event function (httpApi)", "/py-event")]:
            measure(name, gateway + path)
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

    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, median of {args.runs} runs each\n")
    print("| target | requests/s | p50 | p99 |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms |")
    fn = results["nimbus: Node http function"]
    ff_r = results["Functions Framework: Node hello"]
    ev = results["nimbus: Node event function (httpApi)"]
    off = results["serverless-offline: Node event function"]
    p50_ratio = fn["p50"] / ff_r["p50"]
    rps_ratio = ev["rps"] / off["rps"]
    print()
    print(f"Node http function p50 vs Functions Framework: {p50_ratio:.2f}x "
          f"({'met' if p50_ratio <= 1.10 else 'MISSED'}: within 10%)")
    print(f"Node event function requests/s vs serverless-offline: {rps_ratio:.1f}x "
          f"({'met' if rps_ratio >= 3 else 'MISSED'}: at least 3x)")
    shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
