"""The browser view's web server process: port checks, and the child that dies with
``safesim viz``."""

from __future__ import annotations

# The browser view reads its scenario file from this variable (see safesim.ui.viz).
VIZ_SCENARIO_ENV = "SAFESIM_VIZ_SCENARIO"


def _port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served, or None when it is free.

    Binds the way the web server will (with SO_REUSEADDR, so a connection still closing
    does not count as busy) and lets go at once.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on host '{host}': {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except PermissionError:
            return f"port {port} on {host} needs privileges: choose another with --port"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use: choose another with --port"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _die_with_parent() -> None:
    """In the server child: exit when ``safesim viz`` dies, even by SIGKILL (Linux)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl+C and SIGTERM still stop the server


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the web server ``command`` until it ends, Ctrl+C or SIGTERM; its exit code."""
    import signal
    import subprocess

    server = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)

    def stop_on_terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # a plain kill stops the web server too, as Ctrl+C does

    signal.signal(signal.SIGTERM, stop_on_terminate)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        code = 0
    return code
