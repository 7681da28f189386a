"""`policyqa web` as a real process for the tests: a free port, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx
import pytest

START_WAIT = 120.0  # seconds for `policyqa web` to answer /healthz


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    """Poll /healthz until the server answers; fail with its output if it exits or never answers."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout or process.stderr
            pytest.fail(f"policyqa web exited: {output.read() if output else ''}", pytrace=False)
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"policyqa web did not answer {url}/healthz within {START_WAIT:.0f} s", pytrace=False)
