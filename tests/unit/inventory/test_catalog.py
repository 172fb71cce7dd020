"""The one-pass catalog: hostile file contents cost one file (a 'not checked' record at most),
never the scan; results of deleted or replaced files are dropped."""

from __future__ import annotations

import os

from seawall.inventory.packages.golang import MAGIC
from support.images import E

GARBAGE = os.urandom(4096) + b"\n\nPackage: \x00\xff\nVersion:\n" + b"\xff" * 100


def test_garbage_everywhere(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    paths = [
        "etc/os-release",
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/x",
        "var/lib/dpkg/info/x.list",
        "usr/share/doc/x/copyright",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/python3/site-packages/x-1.dist-info/METADATA",
        "usr/lib/python3/site-packages/y.egg-info",
        "app/node_modules/x/package.json",
        "gems/specifications/x-1.gemspec",
        "app/x.jar",
        "app/y.war",
    ]
    members = mkfiles({p: GARBAGE for p in paths})
    members.append(E("usr/bin/gobin", b"\x7fELFGo\x00\x00" + MAGIC + b"\x08\x02" + b"\xff" * 4000, mode=0o755))
    result = catalog_layers([members])
    assert {n.subject for n in result.not_checked} >= {"var/lib/rpm/rpmdb.sqlite", "app/x.jar", "app/y.war"}
    assert all(p.name and p.version for p in result.packages)


def test_huge_metadata_is_bounded(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    body = "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n\n" + "x" * (8 * 1024 * 1024)
    result = catalog_layers([mkfiles({"site/big-1.0.dist-info/METADATA": body})])
    assert [(p.name, p.version) for p in result.packages] == [("big", "1.0")]


def test_opaque_dir_drops_lower_packages(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    meta = "Metadata-Version: 2.1\nName: {n}\nVersion: 1\n"
    lower = mkfiles(
        {
            "site/a-1.dist-info/METADATA": meta.format(n="a"),
            "site/b-1.dist-info/METADATA": meta.format(n="b"),
        }
    )
    upper = [*mkfiles({"site/c-1.dist-info/METADATA": meta.format(n="c")}), E("site/.wh..wh..opq", b"")]
    result = catalog_layers([lower, upper])
    assert [p.name for p in result.packages] == ["c"]


def test_layer_file_hooks_share_the_single_pass(tmp_path, mkfiles) -> None:  # type: ignore[no-untyped-def]
    """A hook (the secrets scanner's way in) sees every regular file of every layer, deleted ones
    included, with its content, and the catalogers still get the same files."""
    from seawall.analyzers.image import LAYER_FILE_HOOKS, analyze_image
    from seawall.sources.image import open_image
    from support.images import layer_tar, write_docker_archive

    seen: dict[str, bytes] = {}

    def factory(run, image):  # type: ignore[no-untyped-def]
        return lambda lf: seen.__setitem__(lf.path, lf.read())

    meta = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n"
    lower = mkfiles({"site/six-1.16.0.dist-info/METADATA": meta, "tmp/secret.txt": "AKIA0123456789ABCDEF"})
    upper = mkfiles({"tmp/.wh.secret.txt": ""})
    path = tmp_path / "img.tar"
    write_docker_archive(path, [layer_tar(lower), layer_tar(upper)])
    LAYER_FILE_HOOKS.append(factory)
    try:
        with open_image(str(path)) as img:
            analysis = analyze_image(img, rules=False)
    finally:
        LAYER_FILE_HOOKS.remove(factory)
    assert seen["tmp/secret.txt"] == b"AKIA0123456789ABCDEF"
    assert seen["site/six-1.16.0.dist-info/METADATA"] == meta.encode()
    assert [(p.name, p.version) for p in analysis.inventory.packages] == [("six", "1.16.0")]
