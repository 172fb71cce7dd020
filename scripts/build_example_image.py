"""Build examples/shop/images/orders-api.tar: a small docker-save archive of a realistic,
neglected image (Debian 11 base with old OpenSSL, old Python libraries, a secret baked into a
layer and "deleted" in the next one, root user, SSH port, a remote ADD in its history).

The archive is built from real file formats (dpkg status, Python METADATA, os-release) and is
byte-for-byte reproducible, so the committed file can be checked with ``--check``.

    .venv/bin/python scripts/build_example_image.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "shop" / "images" / "orders-api.tar"
MTIME = 1_700_000_000  # fixed: reproducible bytes

OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
VERSION="11 (bullseye)"
VERSION_CODENAME=bullseye
ID=debian
HOME_URL="https://www.debian.org/"
"""

# (package, source, version, architecture): real bullseye versions of long-fixed vulnerable packages.
DPKG = [
    ("libssl1.1", "openssl", "1.1.1n-0+deb11u3", "amd64"),
    ("openssl", "openssl", "1.1.1n-0+deb11u3", "amd64"),
    ("bash", "bash", "5.1-2+b3", "amd64"),
    ("libc6", "glibc", "2.31-13+deb11u5", "amd64"),
    ("zlib1g", "zlib", "1:1.2.11.dfsg-2+deb11u1", "amd64"),
    ("openssh-server", "openssh", "1:8.4p1-5+deb11u1", "amd64"),
]

PYPI = [("PyYAML", "5.3", "pyyaml"), ("urllib3", "1.24.1", "urllib3"), ("requests", "2.19.0", "requests")]


def dpkg_status() -> str:
    out = []
    for name, source, version, arch in DPKG:
        src = f"Source: {source}\n" if source != name else ""
        out.append(
            f"Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: libs\n"
            f"Installed-Size: 100\nMaintainer: Debian <debian@lists.debian.org>\nArchitecture: {arch}\n"
            f"{src}Version: {version}\nDescription: {name}\n"
        )
    return "\n".join(out)


def _add(
    tar: tarfile.TarFile, path: str, data: bytes | None = None, mode: int = 0o644, kind: bytes = tarfile.REGTYPE
) -> None:
    info = tarfile.TarInfo(path)
    info.mtime = MTIME
    info.mode = mode
    info.type = kind
    if data is not None:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def layer(files: list[tuple[str, bytes | None, int]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data, mode in files:
            _add(tar, path, data, mode, tarfile.DIRTYPE if data is None else tarfile.REGTYPE)
    return buf.getvalue()


def build() -> bytes:
    site = "usr/local/lib/python3.9/site-packages"
    base = [
        ("etc/", None, 0o755),
        ("etc/os-release", OS_RELEASE.encode(), 0o644),
        ("etc/debian_version", b"11.6\n", 0o644),
        ("var/", None, 0o755),
        ("var/lib/", None, 0o755),
        ("var/lib/dpkg/", None, 0o755),
        ("var/lib/dpkg/status", dpkg_status().encode(), 0o644),
        ("usr/", None, 0o755),
        ("usr/bin/", None, 0o755),
        ("usr/bin/passwd", b"\x7fELF-not-really", 0o4755),
    ]
    app = [
        ("usr/local/", None, 0o755),
        ("usr/local/lib/", None, 0o755),
        ("usr/local/lib/python3.9/", None, 0o755),
        (f"{site}/", None, 0o755),
    ]
    for dist, version, top in PYPI:
        d = f"{site}/{dist}-{version}.dist-info"
        meta = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\nSummary: {dist}\nLicense: MIT\n\n"
        app += [
            (f"{d}/", None, 0o755),
            (f"{d}/METADATA", meta.encode(), 0o644),
            (f"{d}/RECORD", f"{top}/__init__.py,,\n".encode(), 0o644),
            (f"{site}/{top}/", None, 0o755),
            (f"{site}/{top}/__init__.py", b"", 0o644),
        ]
    # A deploy key written by one RUN and removed by the next: still in the image, in layer 2.
    secret = "".join(["AKIA", "Q3EGRUQHNRP6SXBJ"])  # split so this script itself is not a finding
    secret_key = "".join(["wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYq8vz2SkPmL4"])
    app += [
        ("app/", None, 0o755),
        ("app/.env", f"AWS_ACCESS_KEY_ID={secret}\nAWS_SECRET_ACCESS_KEY={secret_key}\n".encode(), 0o600),
        ("app/main.py", b"print('orders api')\n", 0o644),
    ]
    cleanup = [("app/", None, 0o755), ("app/.wh..env", b"", 0o644)]
    layers = [layer(base), layer(app), layer(cleanup)]
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-03-01T10:00:00Z",
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "DB_PASSWORD=" + "".join(["orders-", "Pr0d-", "2023!"])],
            "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
            "Cmd": ["python3", "/app/main.py"],
            "Labels": {"org.opencontainers.image.source": "https://git.example.com/shop/orders"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [
            {"created": "2023-03-01T10:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:debian11 in / "},
            {
                "created": "2023-03-01T10:00:01Z",
                "created_by": "/bin/sh -c #(nop) ADD https://example.com/app.tar.gz /app/",
            },
            {"created": "2023-03-01T10:00:02Z", "created_by": "/bin/sh -c rm /app/.env"},
        ],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_names = [f"{hashlib.sha256(b).hexdigest()}/layer.tar" for b in layers]
    manifest = [{"Config": config_name, "RepoTags": ["registry.example.com/shop/orders:2.4.1"], "Layers": layer_names}]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, config_name, config_bytes)
        for name, data in zip(layer_names, layers, strict=True):
            _add(tar, name.split("/")[0] + "/", None, 0o755, tarfile.DIRTYPE)
            _add(tar, name, data)
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="fail if the committed archive differs")
    args = ap.parse_args()
    data = build()
    if args.check:
        if not OUT.is_file() or OUT.read_bytes() != data:
            sys.exit(f"{OUT} is stale: run scripts/build_example_image.py")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
