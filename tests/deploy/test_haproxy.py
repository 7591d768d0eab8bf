"""deploy/haproxy.cfg as HAProxy runs it, with stand-in replicas and a stand-in DNS server
(what Docker's embedded DNS is to compose.yaml's HAProxy), no Streamlit:

- HAProxy starts and serves while a replica's name does not resolve yet (init-addr
  last,libc,none), and logs every request (the access log, on stdout);
- a replica whose name starts resolving is taken in, and one recreated at a new address
  is found there (`resolvers`), sticky cookie and all.

The config is the repository's, with one line changed: the name server is the stand-in
instead of /etc/resolv.conf's. Skips without haproxy.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.server import free_port
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,  # health checks every 2 s: some 10 s
    pytest.mark.skipif(
        shutil.which("haproxy") is None,
        reason="haproxy is not installed (deploy/install.sh installs Debian's package)",
    ),
]


class StandInDNS:
    """Answers A queries from `names` (name -> IPv4), NXDOMAIN for the rest, on UDP."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                query, client = self.sock.recvfrom(512)
            except OSError:
                return
            self.sock.sendto(self.answer(query), client)

    def answer(self, query: bytes) -> bytes:
        labels, at = [], 12
        while query[at]:
            labels.append(query[at + 1 : at + 1 + query[at]].decode())
            at += 1 + query[at]
        question = query[12 : at + 5]
        qtype = struct.unpack("!H", query[at + 1 : at + 3])[0]
        address = self.names.get(".".join(labels).lower())
        records = b""
        if address is not None and qtype == 1:  # A
            records = struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(address)
        rcode = 3 if address is None else 0  # NXDOMAIN, or NOERROR (no AAAA: no data)
        header = query[:2] + struct.pack("!HHHHH", 0x8180 | rcode, 1, int(bool(records)), 0, 0)
        return header + question + records

    def close(self) -> None:
        self.sock.close()


@contextmanager
def replica(name: str, address: str, port: int) -> Iterator[None]:
    """A stand-in Streamlit replica: /_stcore/health answers, / names the replica."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"{name} at {address}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((address, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def get(url: str, cookie: str = "") -> tuple[str, str]:
    """(body, Set-Cookie) of a GET through the proxy."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read().decode(), answer.headers.get("Set-Cookie", "")


def eventually(check, timeout: float = 30.0):
    """check()'s first truthy result (a proxy not up yet refuses: not yet)."""
    return wait_until(check, timeout, errors=(OSError,))


@pytest.fixture
def proxy(tmp_path):
    """HAProxy with the repository's config on loopback, replicas named app1..3.test."""
    dns = StandInDNS()
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert "    parse-resolv-conf\n" in config
    config = config.replace("    parse-resolv-conf\n", f"    nameserver dns 127.0.0.1:{dns.port}\n")
    (tmp_path / "haproxy.cfg").write_text(config)
    lb, port = free_port(), free_port()
    env = {**os.environ, "LB_ADDR": "127.0.0.1", "LB_PORT": str(lb)}
    for n in (1, 2, 3):
        env |= {f"APP{n}_HOST": f"app{n}.test", f"APP{n}_PORT": str(port)}
    log = (tmp_path / "haproxy.log").open("w")
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(tmp_path / "haproxy.cfg")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{lb}", dns, port, process, tmp_path / "haproxy.log"
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        dns.close()


def test_a_replica_down_at_start_is_taken_in_when_it_comes_and_found_at_a_new_address(proxy):
    url, dns, port, process, log = proxy
    dns.names["app1.test"] = "127.0.0.1"  # app2 and app3 do not exist yet
    with replica("app1", "127.0.0.1", port):

        def app1_serves():
            """app1 answers through the proxy"""
            return get(url)[0] == "app1 at 127.0.0.1"

        eventually(app1_serves)
        assert process.poll() is None, "HAProxy stopped over names it could not resolve"

        def logged():
            """the request is in the access log"""
            lines = log.read_text().splitlines()
            return [line for line in lines if "streamlit/app1" in line and '"GET / HTTP' in line]

        assert " 200 " in eventually(logged, 10)[0]

        dns.names["app2.test"] = "127.0.0.2"  # app2's container is created
        with replica("app2", "127.0.0.2", port):

            def app2_serves():
                """a browser whose cookie names app2 reaches it"""
                return get(url, "MLPLAB_SERVER=app2")[0] == "app2 at 127.0.0.2"

            eventually(app2_serves)
        dns.names["app2.test"] = "127.0.0.3"  # ...and recreated, with a new address
        with replica("app2", "127.0.0.3", port):

            def app2_serves_again():
                """app2 is reached at its new address"""
                return get(url, "MLPLAB_SERVER=app2")[0] == "app2 at 127.0.0.3"

            eventually(app2_serves_again)
