"""Start-up of a ``netpol matrix`` run: what it imports (one process per cluster is the common CI use,
so every module loaded for nothing is paid per run), and the ``--each`` section joiner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seawall.netpol.output import SECTION_FORMATS, join_sections

#: Modules a plain listing must not load: the findings model, the exposure and admin-policy
#: analyses, the Ingress/Route model (only for inputs with Ingress or Route objects), the HTML and
#: JSON renderers' libraries, and the rest of the scan machinery.
NOT_FOR_A_LISTING = (
    "seawall.model.finding",
    "seawall.netpol.exposure",
    "seawall.netpol.exposure_output",
    "seawall.netpol.admin",
    "seawall.netpol.ingress",
    "seawall.netpol.explain",
    "seawall.cli.output",
    "seawall.engine",
    "seawall.plugins",
    "html",
    "json",
    "hashlib",
)

_PROBE = """
import contextlib, io, sys
before = set(sys.modules)  # json is imported after the run, so a run that loads it is seen
entry, argv = sys.argv[1], sys.argv[2:]
with contextlib.redirect_stdout(io.StringIO()) as out:
    if entry == "lean":
        from seawall.cli.netpol import main
    else:
        from seawall.cli.main import main
    rc = main(argv)
loaded = sorted(set(sys.modules) - before)
import json
print(json.dumps({"rc": rc, "loaded": loaded, "out": out.getvalue()}))
"""


def _run(entry: str, *argv: str) -> tuple[int, set[str], str]:
    """(exit code, modules the run imported, stdout) of one run in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, entry, *argv], capture_output=True, text=True, timeout=120, check=True
    )
    res = json.loads(proc.stdout)
    return int(res["rc"]), set(res["loaded"]), str(res["out"])


@pytest.mark.parametrize("entry", ["lean", "cli"])
def test_listing_imports_only_what_it_uses(shared_dir: Path, entry: str) -> None:
    d = str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / "onlineboutique")
    argv = ["matrix", d, "--format", "connlist"]
    rc, loaded, out = _run(entry, *(argv if entry == "lean" else ["netpol", *argv]))
    assert rc == 0 and "=> " in out
    assert "seawall.netpol.analysis" in loaded  # the probe does see the analysis being imported
    assert sorted(loaded & set(NOT_FOR_A_LISTING)) == []
    assert "shutil" not in loaded  # argparse would import it (bz2, lzma...) for the terminal width


def test_import_seawall_leaves_the_finding_model_for_first_use() -> None:
    code = (
        "import sys, seawall; assert 'seawall.model.finding' not in sys.modules;"
        "from seawall import Finding, Severity; import seawall.model.finding as f;"
        "assert Finding is f.Finding and seawall.Severity is f.Severity and 'Location' in dir(seawall)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_exposure_and_admin_load_when_used(shared_dir: Path) -> None:
    d = str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / "onlineboutique_workloads")
    rc, loaded, out = _run("lean", "matrix", d, "--format", "json", "--exposure")
    assert rc == 0 and "exposure_results" in out
    assert {"seawall.netpol.exposure", "seawall.netpol.exposure_output", "json"} <= loaded
    demo = str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / "anp_banp_blog_demo")
    rc, loaded, out = _run("lean", "matrix", demo, "--format", "connlist")
    assert rc == 0 and "seawall.netpol.admin" in loaded and "=> " in out


def test_join_sections_text_json_csv() -> None:
    sections = [("a", "x => y : All Connections\n"), ("b", ""), ("c d", "p => q : TCP 80")]
    assert join_sections("connlist", sections) == (
        "==> a <==\nx => y : All Connections\n\n==> b <==\n\n==> c d <==\np => q : TCP 80"
    )
    one = json.dumps([{"src": "x", "dst": "y", "conn": "TCP 1"}], indent=2)
    doc = join_sections("json", [("a", one), ("b", "[]")])
    assert json.loads(doc) == {"a": json.loads(one), "b": []}
    assert join_sections("json", []) == "{}"
    csv_doc = join_sections("csv", [("a,1", "src,dst,conn\nx,y,TCP 1"), ("b", "src,dst,conn")])
    assert csv_doc == 'input,src,dst,conn\n"a,1",x,y,TCP 1'
    assert set(SECTION_FORMATS) == {"table", "connlist", "txt", "json", "csv", "md"}
    for fmt in ("dot", "html"):
        with pytest.raises(ValueError, match=fmt):
            join_sections(fmt, sections)
