"""The plugin index (``seawall.plugins._REPORTS``): a narrow rule selection loads only the modules
that can report a selected rule. The table is checked against what the modules really register,
so a stale entry fails here instead of silently dropping rules from a scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from seawall import plugins
from seawall.policy.config import Config
from seawall.reporters.compliance import evaluate
from seawall.rules.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[3]

#: Imports each plugin module in order in a fresh interpreter and tells which module registered
#: which rule ids, analyzers (with their rule prefixes) and file handlers.
_ATTRIBUTE = r"""
import importlib, json
from seawall import engine, plugins
from seawall.rules.registry import REGISTRY
out, seen, an, hn = {}, set(), set(), 0
for m in plugins._MODULES:
    importlib.import_module(m)
    ids = sorted(set(REGISTRY._by_id) - seen)
    seen.update(ids)
    names = sorted((set(engine.ANALYZERS) | set(engine.JOIN_ANALYZERS)) - an)
    an.update(names)
    analyzers = {n: list(engine.ANALYZER_RULES.get(n, ())) for n in names}
    handlers = [h.name for h in engine.FILE_HANDLERS[hn:]]
    hn = len(engine.FILE_HANDLERS)
    out[m] = {"ids": ids, "analyzers": analyzers, "handlers": handlers}
print(json.dumps(out))
"""


def _python(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _main_in_fresh_python(argv: list[str], *, preload: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """``seawall ARGV`` in a fresh interpreter (after importing ``preload``): its exit code and
    every module it imported."""
    code = (
        "import importlib, json, sys\n"
        f"[importlib.import_module(m) for m in {list(preload)!r}]\n"
        "from seawall.cli.main import main\n"
        f"rc = main({argv!r})\n"
        "print(json.dumps([rc, sorted(sys.modules)]))"
    )
    rc, loaded = json.loads(_python(code))
    return int(rc), list(loaded)


@pytest.fixture(scope="module")
def attribution() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(_python(_ATTRIBUTE))
    return data


def test_every_module_is_in_the_index(attribution: dict[str, dict[str, Any]]) -> None:
    # a module missing from the index is always loaded (safe), but every current one is indexed
    assert set(attribution) == set(plugins._REPORTS)


def test_registered_rules_carry_the_indexed_prefixes(attribution: dict[str, dict[str, Any]]) -> None:
    bad = {
        m: [i for i in a["ids"] if not i.startswith(plugins._REPORTS[m])]
        for m, a in attribution.items()
        if any(not i.startswith(plugins._REPORTS[m]) for i in a["ids"])
    }
    assert not bad, f"add these rule-id prefixes to seawall.plugins._REPORTS: {bad}"


def test_selecting_any_rule_loads_its_module_and_analyzers(attribution: dict[str, dict[str, Any]]) -> None:
    owner = {i: m for m, a in attribution.items() for i in a["ids"]}
    assert len(owner) > 400
    analyzer_of = {n: (m, tuple(p)) for m, a in attribution.items() for n, p in a["analyzers"].items()}
    for rid, module in owner.items():
        for pattern in (rid, rid.rsplit("-", 1)[0] + "-*"):
            active = plugins.active(Config(enable=(pattern,)))
            assert module in active, (pattern, module)
            for name, (amod, prefixes) in analyzer_of.items():
                if prefixes and rid.startswith(prefixes):
                    assert amod in active, (pattern, name)


def test_a_narrow_selection_leaves_other_families_out() -> None:
    active = plugins.active(Config(enable=("SW-SEC-*",)))
    assert "seawall.secrets.handler" in active and "seawall.analyzers.secrets" in active
    # secrets in image layers need the image file handler and the image analyzer
    assert "seawall.sources.image.handler" in active and "seawall.analyzers.image" in active
    for left_out in ("seawall.analyzers.rbac", "seawall.analyzers.netpol", "seawall.dockerfile.handler"):
        assert left_out not in active
    assert "seawall.analyzers.rbac" in plugins.active(Config(enable=("SW-RBAC-007",)))


@pytest.mark.parametrize(
    "config",
    [
        None,
        Config(),
        Config(enable=("*",)),
        Config(enable=("SW-*",)),
        Config(enable=("category:secret",)),
        Config(enable=("SW-SEC-*",), custom_rules=[{"id": "X"}]),
        Config(enable=("SW-SEC-*",), rules_dirs=(Path("policies"),)),
        Config(enable=("SW-RISK-001",)),  # joins every family's findings
    ],
)
def test_broad_or_open_selections_load_everything(config: Config | None) -> None:
    assert plugins.active(config) == plugins._MODULES


def test_secrets_only_scan_imports_only_its_modules(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("DB_PASSWORD=Xq7mR2vLp9Tz\n")
    report = tmp_path / "r.json"
    argv = ["scan", str(tmp_path), "--rule", "SW-SEC-*", "-f", "json", "-o", str(report)]
    rc, loaded = _main_in_fresh_python(argv)
    assert rc == 1  # a finding
    assert "seawall.analyzers.secrets" in loaded
    for left_out in ("seawall.analyzers.rbac", "seawall.analyzers.netpol", "seawall.dockerfile.handler"):
        assert left_out not in loaded
    # no image among the inputs: the image analysis is not imported either
    assert "seawall.analyzers.image" not in loaded and "seawall.sources.image.handler" in loaded
    assert "seawall.vulndb.match" not in loaded
    body = json.loads(report.read_text())
    assert [f["rule_id"] for f in body["findings"]] == ["SW-SEC-160"]
    assert body["summary"]["posture"] == {"computed": False, "reason": "no workload (pod) rule selected"}


def test_secret_scan_of_a_source_tree_needs_no_yaml_nor_multiprocessing(tmp_path: Path) -> None:
    """A source tree big enough to be read on two cores (forkscan) and holding no manifest: the
    YAML loader, the policy file parser and multiprocessing are never imported (start-up is most
    of a small tree's scan time), and the secret is still found."""
    from seawall import forkscan

    for i in range(forkscan.MIN_FILES + 10):
        (tmp_path / f"mod{i:03d}.py").write_text(f"def f{i}():\n    return {i}\n")
    (tmp_path / "settings.py").write_text('DB_PASSWORD = "Xq7mR2vLp9Tz"\n')
    report = tmp_path / "r.json"
    argv = ["scan", str(tmp_path), "--rule", "SW-SEC-*", "-f", "json", "-o", str(report)]
    rc, loaded = _main_in_fresh_python(argv)
    assert rc == 1
    for left_out in ("yaml", "multiprocessing", "seawall.sources.manifests", "seawall.sources.yamldoc"):
        assert left_out not in loaded
    body = json.loads(report.read_text())
    assert [(f["rule_id"], f["location"]["path"].endswith("settings.py")) for f in body["findings"]] == [
        ("SW-SEC-160", True)
    ]


def test_narrow_scan_of_an_image_loads_the_image_analysis(tmp_path: Path) -> None:
    import binascii

    from seawall.secrets.rules._validators import base62_encode
    from support.images import E, layer_tar, write_oci_layout

    body = "Kp4LxNc9YbJ7sFd6GeAHq3ZtR8vWm2"
    token = "ghp_" + body + base62_encode(binascii.crc32(body.encode()))
    layer = layer_tar([E("app", type="dir"), E("app/.env", f"LOG=info\nGITHUB_TOKEN={token}\n".encode())])
    built = write_oci_layout(tmp_path / "layout", [layer])
    report = tmp_path / "r.json"
    argv = ["scan", str(built.path), "--rule", "SW-SEC-*", "-f", "json", "-o", str(report)]
    rc, loaded = _main_in_fresh_python(argv)
    assert rc == 1
    assert "seawall.analyzers.image" in loaded and "seawall.secrets.image" in loaded
    found = [
        (f["rule_id"], f["location"]["path"], f["location"]["line"], f["resource"].get("layer"))
        for f in json.loads(report.read_text())["findings"]
    ]
    assert found == [("SW-SEC-050", "app/.env", 2, built.layer_digests[0])]


_ORDER = r"""
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from seawall import engine, plugins
from seawall.policy.config import Config
plugins.load()
print(json.dumps([list(engine.ANALYZERS) + list(engine.JOIN_ANALYZERS),
                  [n for n, _ in plugins.runnable_analyzers(engine.ScanRun(Config(enable=("*",))))]]))
"""


def test_analyzers_run_in_module_order_whatever_the_import_order() -> None:
    registered, runs = json.loads(_python_args(_ORDER))
    assert runs == registered  # a full load in module order registers them in that order
    late = json.loads(_python_args(_ORDER, "seawall.analyzers.freshness", "seawall.analyzers.image"))
    assert late[0] != registered and late[1] == runs


def _python_args(code: str, *args: str) -> str:
    r = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_served_countermeasures_match_the_registry() -> None:
    plugins.load()
    served = {cm for m in REGISTRY.metas() for cm in m.nist_countermeasure}
    assert served == plugins._SERVED_COUNTERMEASURES, "update seawall.plugins._SERVED_COUNTERMEASURES"


def test_nist_statuses_after_a_narrow_load_equal_the_full_ones() -> None:
    """The JSON summary's NIST statuses, computed in a process that loaded the secrets modules
    only, equal the ones computed with every rule registered."""
    plugins.load()
    full = {cm: r["status"] for cm, r in evaluate([], REGISTRY.metas()).items()}
    code = (
        "import json\nfrom seawall import plugins\nfrom seawall.policy.config import Config\n"
        "from seawall.reporters.compliance import evaluate\n"
        "plugins.load(Config(enable=('SW-SEC-*',)))\n"
        "print(json.dumps({cm: r['status'] for cm, r in evaluate([], plugins.countermeasure_rules()).items()}))"
    )
    narrow = json.loads(_python(code))
    assert narrow == full
    assert set(full.values()) == {"pass", "manual"}


#: What only images, registries, signatures and the vulnerability database need. A plugin module
#: registers its rules at import, so it is imported by every full scan; its machinery must wait
#: until there is work for it (an image among the inputs, a ``signatures:``/``freshness:`` section).
_IMAGE_MACHINERY = (
    "cryptography",
    "http.client",
    "ssl",
    "sqlite3",
    "tarfile",
    "cvss",
    "seawall.supplychain.policy",
    "seawall.supplychain.verify",
    "seawall.vulndb.match",
    "seawall.vulndb.store",
    "seawall.sources.image.registry",
    "seawall.freshness.check",
    "seawall.inventory.packages.model",
)


def test_full_manifest_scan_imports_no_image_machinery(tmp_path: Path) -> None:
    """Every rule selected, manifests only (the example shop without its images): the scan loads
    no crypto, HTTP, SQLite or tar code (about half of a small scan's start-up), and still finds
    what the full module set finds."""
    for src in (ROOT / "examples" / "shop").glob("*.yaml"):
        (tmp_path / src.name).write_bytes(src.read_bytes())
    report = tmp_path / "r.json"
    argv = ["scan", str(tmp_path), "-f", "json", "-o", str(report)]
    rc, loaded = _main_in_fresh_python(argv)
    assert rc == 1
    assert [m for m in _IMAGE_MACHINERY if m in loaded] == []
    assert "seawall.analyzers.signatures" in loaded and "seawall.analyzers.vulnerabilities" in loaded
    lazy = json.loads(report.read_text())["findings"]
    assert _main_in_fresh_python(argv, preload=_IMAGE_MACHINERY)[0] == 1
    assert json.loads(report.read_text())["findings"] == lazy and lazy
