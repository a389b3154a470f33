"""Nimbus's Python runtime template: a zygote (as in SOCK) that has imported the bootstrap
and the standard modules it needs, and forks a new function instance on request, so a cold
start costs only the handler's own import.

Started as `python3 -u -B zygote.py` with a control socket (SOCK_SEQPACKET, one JSON message
per packet) as descriptor 3:
  template  -> simulator  {"ready": PID}
  simulator -> template   {"spawn": ID, "environment": {...}, "cwd": DIR, "limits": {...}},
                          with the new instance's output pipe attached (SCM_RIGHTS), then
                          the cgroup.procs files of the control groups it joins
  template  -> simulator  {"spawned": ID, "pid": PID} or {"spawned": ID, "error": TEXT}
  template  -> simulator  {"exited": PID, "status": STATUS}   (waitpid's status)
An instance gets a process group of its own, dies with the template (which dies with the
simulator), and takes the environment and working folder it is sent in place of the
template's before anything of the function's runs. The template never imports project code:
every instance starts with fresh module state. It also joins its control groups and takes
on its resource limits (open files, processes, file size, core dumps) before that.
"""
import ctypes
import json
import os
import resource
import selectors
import signal
import socket
import sys
import time
import traceback

import bootstrap  # noqa: F401 (its imports are the point: http.client, json, re, traceback...)
import _nimbus_http  # noqa: F401 (http functions' adapter)



def warm_up():
    """Makes one request to the Runtime API's like, so that what an instance's first request
    would load (the idna codec http.client encodes host names with, the resolver's libraries)
    is loaded once, here, before the fork."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        connection = bootstrap.RuntimeApi(f"127.0.0.1:{server.getsockname()[1]}")
        connection.conn.connect()
        peer, _ = server.accept()
        connection.conn.request("POST", "/warm-up", body=b"{}",
                                headers={"Content-Type": "application/json"})
        peer.recv(65536)
        peer.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        response = connection.conn.getresponse()
        json.loads(response.read())
        peer.close()
        connection.conn.close()
    finally:
        server.close()

CONTROL_FD = 3
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def send(control, message):
    control.send(json.dumps(message).encode())


LIMITS = {"nofile": resource.RLIMIT_NOFILE, "nproc": resource.RLIMIT_NPROC,
          "fsize": resource.RLIMIT_FSIZE, "core": resource.RLIMIT_CORE}


def contain(request, cgroups):
    """Join the instance's control groups and take on its limits (soft and hard alike, so the
    function cannot raise them), as the simulator sets them for an instance it starts."""
    for fd in cgroups:
        os.write(fd, b"0")
    for name, value in (request.get("limits") or {}).items():
        if name not in LIMITS or not isinstance(value, int) or (value <= 0 and name != "core"):
            continue
        _soft, hard = resource.getrlimit(LIMITS[name])
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(LIMITS[name], (value, value))


def become_instance(request, out, cgroups, control, selector, template_pid):
    """In the forked child: turn into a fresh instance and run the bootstrap. Never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != template_pid:  # the template died before prctl took effect
            os._exit(127)
        os.dup2(out, 1)
        os.dup2(out, 2)
        contain(request, cgroups)
        control.detach()
        selector.close()
        os.closerange(3, 65536)  # the control socket, the pipe and the other instances' pidfds
        os.environ.clear()
        os.environ.update(request["environment"])
        time.tzset()
        os.chdir(request.get("cwd") or "/")
        # (random reseeds itself in a forked child: each instance has a state of its own.)
        sys.argv = [bootstrap.__file__]
        bootstrap.main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main():
    try:
        warm_up()
    except OSError:  # only slower without it
        pass
    control = socket.socket(fileno=CONTROL_FD)
    me = os.getpid()
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    children = {}  # pidfd -> pid
    send(control, {"ready": me})
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                try:
                    data, fds, _flags, _address = socket.recv_fds(control, 1 << 20, 4)
                except InterruptedError:
                    continue
                except OSError:
                    return
                if not data:
                    return  # the simulator has gone
                out = fds[0] if fds else -1
                cgroups = fds[1:]

                def close_received():
                    for fd in fds:
                        os.close(fd)
                try:
                    request = json.loads(data)
                    ident = request["spawn"]
                except (ValueError, KeyError, TypeError):
                    close_received()
                    continue
                if out < 0:
                    send(control, {"spawned": ident, "error": "no output pipe came with the request"})
                    continue
                try:
                    pid = os.fork()
                except OSError as e:
                    close_received()
                    send(control, {"spawned": ident, "error": f"fork failed: {e}"})
                    continue
                if pid == 0:
                    become_instance(request, out, cgroups, control, selector, me)
                close_received()
                pidfd = os.pidfd_open(pid)  # readable once the instance has ended
                children[pidfd] = pid
                selector.register(pidfd, selectors.EVENT_READ)
                send(control, {"spawned": ident, "pid": pid})
            else:
                pid = children.pop(key.fd)
                selector.unregister(key.fd)
                os.close(key.fd)
                _, status = os.waitpid(pid, 0)
                send(control, {"exited": pid, "status": status})


if __name__ == "__main__":
    main()
