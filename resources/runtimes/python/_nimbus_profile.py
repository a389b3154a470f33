"""Per-invocation CPU profiles for Nimbus's Python runtime, when NIMBUS_PROFILE_DIR is set.

A daemon thread samples the main thread's stack (sys._current_frames) while the handler runs;
the bootstrap starts it just before the handler and stops it just after, then writes
<dir>/<requestId>.json before the invocation's result is posted, through a temporary file
and a rename, so a reader never sees half of one:
    {"runtime": "python", "intervalUs", "startUs", "endUs" (unix µs),
     "frames": [{"name", "file", "line"}], "samples": [[frame index, ... root first]],
     "weights": [µs]}
A frame is a function (the line it starts on), as in V8's profiles. A sample's weight is the
time since the one before, measured, not the nominal interval: the sampler has to wait for
the GIL, so samples come a little late and the weights still add up to the handler's time.
Identical consecutive stacks are merged.

Only the bootstrap's thread is sampled (threads the handler starts are not); time in C code
(a blocking call, a C extension) shows as the Python frame that called it.
"""
import json
import os
import re
import sys
import threading
import time

# The bootstrap's own frames below the handler (the debug agent's too): left out, so the root
# is the handler (for an http function, the adapter that calls the function) or what it calls.
# Time in them alone shows as one "(runtime)" frame.
_RUNTIME_FILES = {os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
                  for name in ("bootstrap.py", "_nimbus_debug.py")}
_RUNTIME_FRAME = {"name": "(runtime)", "file": "", "line": 0}


class _Recording:
    """The samples of one invocation, leaf-first tuples of code objects."""

    def __init__(self, base):
        self.base = base  # the bootstrap's frame that calls the handler
        self.start_us = time.time_ns() // 1000
        self.last = time.perf_counter()
        self.stacks = []
        self.weights = []
        self.previous = None

    def sample(self, frame, now):
        codes = []
        base = self.base
        while frame is not None and frame is not base:
            codes.append(frame.f_code)
            frame = frame.f_back
        if frame is None or not codes or codes[-1].co_filename == __file__:
            return  # the main thread is not inside the handler (or is stopping the profiler)
        stack = tuple(codes)
        weight = now - self.last
        self.last = now
        if stack == self.previous:
            self.weights[-1] += weight
        else:
            self.stacks.append(stack)
            self.weights.append(weight)
            self.previous = stack

    def document(self, interval_us, end):
        if self.weights:  # the time since the last sample, to the last stack seen
            self.weights[-1] += end - self.last
        frames, index, samples = [], {}, []

        def frame_index(code):
            i = index.get(code)
            if i is None:
                i = index[code] = len(frames)
                if code is None:
                    frames.append(_RUNTIME_FRAME)
                else:
                    path = code.co_filename
                    frames.append({"name": getattr(code, "co_qualname", code.co_name),
                                   "file": path if os.path.isabs(path) else "",
                                   "line": code.co_firstlineno})
            return i

        for stack in self.stacks:
            row = []
            for code in reversed(stack):
                if row or code.co_filename not in _RUNTIME_FILES:
                    row.append(frame_index(code))
            samples.append(row or [frame_index(None)])
        return {"runtime": "python", "intervalUs": interval_us, "startUs": self.start_us,
                "endUs": time.time_ns() // 1000, "frames": frames, "samples": samples,
                "weights": [round(w * 1e6) for w in self.weights]}


class Profiler:
    def __init__(self, directory, interval_us):
        self.directory = directory
        self.interval_us = interval_us
        self.interval = interval_us / 1e6
        self.main = threading.main_thread().ident
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.recording = None
        self.switch_interval = None
        threading.Thread(target=self._run, name="nimbus-profiler", daemon=True).start()

    def _run(self):
        current_frames, sleep, now = sys._current_frames, time.sleep, time.perf_counter
        interval = self.interval
        while True:
            self.wake.wait()
            due = now() + interval
            while True:
                # To a schedule, so the time spent waiting for the GIL is not added to each
                # interval.
                delay = due - now()
                if delay > 0:
                    sleep(delay)
                with self.lock:
                    recording = self.recording
                    if recording is None:
                        break
                    t = now()
                    recording.sample(current_frames().get(self.main), t)
                due = max(due + interval, t)

    def start(self):
        """Just before the handler, from the frame that calls it."""
        try:
            # The sampler waits for the GIL up to the switch interval (5 ms by default) before
            # a running handler must give it up: no longer than a sampling interval, here.
            self.switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.switch_interval, self.interval))
            with self.lock:
                self.recording = _Recording(sys._getframe(1))
            self.wake.set()
        except Exception as e:
            sys.stderr.write(f"[nimbus] profiling failed: {e}\n")

    def stop(self, request_id):
        """Just after the handler: writes the profile of `request_id`."""
        end = time.perf_counter()
        with self.lock:
            recording, self.recording = self.recording, None
        self.wake.clear()
        if self.switch_interval is not None:
            sys.setswitchinterval(self.switch_interval)
            self.switch_interval = None
        if recording is None:
            return
        try:
            document = recording.document(self.interval_us, end)
            name = re.sub(r"[^A-Za-z0-9._-]", "_", str(request_id))
            os.makedirs(self.directory, exist_ok=True)
            temporary = os.path.join(self.directory, f".{name}.{os.getpid()}.tmp")
            with open(temporary, "w") as f:
                json.dump(document, f, separators=(",", ":"))
            os.replace(temporary, os.path.join(self.directory, name + ".json"))
        except Exception as e:  # a profile is never worth failing the invocation for
            sys.stderr.write(f"[nimbus] profiling failed: {e}\n")


def start(directory, interval_us):
    """The profiler, or None (and a line on stderr) when it cannot run."""
    try:
        return Profiler(directory, interval_us)
    except Exception as e:
        sys.stderr.write(f"[nimbus] profiling is off: {e}\n")
        return None
