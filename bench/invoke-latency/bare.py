"""The same handler called in a bare loop: the floor the simulator's overhead is measured against."""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from handler import hello

class Context:
    aws_request_id = "bench"

n = int(sys.argv[2])
samples = []
for i in range(n):
    payload = json.dumps({"n": i})  # the event arrives as JSON and leaves as JSON, as on the platform
    start = time.perf_counter_ns()
    json.dumps(hello(json.loads(payload), Context()))
    samples.append((time.perf_counter_ns() - start) / 1e6)
print(json.dumps(samples))
