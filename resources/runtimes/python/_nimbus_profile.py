"""Per-invocation CPU profiles for Nimbus's Python runtime, when NIMBUS_PROFILE_DIR is set.

While the handler runs, a CPU timer (setitimer ITIMER_PROF) interrupts the main thread every
interval of its CPU time, and the signal handler records the interrupted frame's stack: no
second thread, so no handing the GIL back and forth (a sampling thread cost a CPU-bound
handler 10-25 % at 2 ms here; this costs a few microseconds a sample). The bootstrap starts
it just before the handler and stops it just after, and writes <dir>/<requestId>.json once
the invocation's result is posted (a reader waits for it), through a temporary file and a
rename, so a reader never sees half of one:
    {"runtime": "python", "intervalUs", "startUs", "endUs" (unix µs),
     "frames": [{"name", "file", "line"}], "samples": [[frame index, ... root first]],
     "weights": [µs]}
A frame is a function (the line it starts on), as in V8's profiles. A sample's weight is the
CPU time the main thread used since the one before (time.thread_time), so time a C call
computed for goes to the frame it returns to, and the weights add up to the handler's CPU
time. Time spent waiting (I/O, sleep) uses no CPU and so is not sampled, as in py-spy's
default. Identical consecutive stacks are merged.

Only the bootstrap's thread is sampled (threads the handler starts are not). A handler that
sets its own SIGPROF handler replaces this one for its invocation.
"""
import json
import os
import re
import signal
import sys
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
        self.last = time.thread_time()
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
        self.recording = None
        self.pending = None  # (recording, request id, end) stopped, not yet written
        signal.signal(signal.SIGPROF, self._on_signal)
        signal.siginterrupt(signal.SIGPROF, False)  # system calls carry on (SA_RESTART)

    def _on_signal(self, signum, frame):
        recording = self.recording
        if recording is not None:
            recording.sample(frame, time.thread_time())

    def start(self):
        """Just before the handler, from the frame that calls it."""
        try:
            self.recording = _Recording(sys._getframe(1))
            signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        except Exception as e:
            self.recording = None
            sys.stderr.write(f"[nimbus] profiling failed: {e}\n")

    def stop(self, request_id):
        """Just after the handler: ends the profile of `request_id`; write() writes it."""
        try:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
        except Exception:
            pass
        end = time.thread_time()
        recording, self.recording = self.recording, None
        if recording is not None:
            self.pending = (recording, request_id, end)

    def write(self):
        """Writes the last profile, once its invocation's result has gone (so that the
        invocation's time does not carry the writing)."""
        if self.pending is None:
            return
        recording, request_id, end = self.pending
        self.pending = None
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
