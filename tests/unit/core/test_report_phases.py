"""The report tail of a scan (posture, line resolution, policy, sort, JSON) on real manifests:
its shortcuts must give exactly what the plain computation gives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seawall import plugins
from seawall.analyzers.posture import posture
from seawall.engine import ScanRun
from seawall.policy.config import Config
from seawall.rules.workload.pss_checks import allowed

TWINS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: twin, namespace: t}
spec:
  template:
    spec:
      containers: [{name: a, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: twin, namespace: t}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: a
          image: nginx
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


def _run(inputs: list[str], config: Config) -> ScanRun:
    plugins.load()
    run = ScanRun(config)
    run.read_inputs(inputs)
    run.run_analyzers()
    return run


def _fails_restricted_by_checks(run: ScanRun) -> dict[str, int]:
    """PSA's verdict computed directly, one workload at a time."""
    return dict(Counter(v.owner.effective_namespace for v in run.inventory.workloads if not allowed(v, "restricted")))


def _fails_restricted(run: ScanRun) -> dict[str, int]:
    ns = posture(run)["namespaces"]
    return {k: v["fails_restricted"]["count"] for k, v in ns.items() if v["fails_restricted"]["count"]}


@pytest.mark.parametrize(
    "config",
    [Config(), Config(disable=("SW-PSS-012",)), Config(enable=("SW-K8S-*",))],
    ids=["all-rules", "one-pss-rule-off", "no-pss-rules"],
)
def test_posture_restricted_verdict_matches_psa_checks(shared_dir: Path, tmp_path: Path, config: Config) -> None:
    twins = tmp_path / "twins.yaml"
    twins.write_text(TWINS, encoding="utf-8")
    run = _run([str(shared_dir / "corpus" / "k8s" / "polaris"), str(twins)], config)
    expected = _fails_restricted_by_checks(run)
    assert sum(expected.values()) > 50 and len(run.inventory.workloads) > sum(expected.values())
    assert expected["t"] == 1  # one of the two same-named Deployments passes
    assert _fails_restricted(run) == expected


FORK_CHECK = r'''
import io, os, sys
from seawall.engine import Report
from seawall.model.finding import Finding, Location, Resource, Severity
from seawall.reporters import json_report

forks = []
real_fork = os.fork
def counting_fork():
    forks.append(1)
    return real_fork()
os.fork = counting_fork

def findings(odd):
    res = [Resource("Pod", "ns", f"p{i}", "c") for i in range(40)]
    return [
        Finding(f"SW-X-{i % 7}", "t", Severity(i % 5), "workload", f"{odd} {i}", res[i % 40],
                Location(f"d/{i % 13}.yaml", i, f"/spec/{i}" if i % 4 else ""), evidence="e" if i % 5 else "",
                extra=(("n", i),) if i % 3 else ())
        for i in range(6001)
    ]

def to_file(fs, path, fork, errors="strict"):
    json_report.FORK_MIN = 100 if fork else 10**9
    with open(path, "w", encoding="utf-8", errors=errors) as fh:
        json_report.write(Report(findings=fs), fs, fh)
    return open(path, "rb").read()

def to_text(fs, fork):
    json_report.FORK_MIN = 100 if fork else 10**9
    return json_report.render(Report(findings=fs), fs)

tmp = sys.argv[1]
ok = findings('quote " é 中 \u2028 \x01 \r\n')
serial = to_file(ok, tmp + "/a", False)
assert to_file(ok, tmp + "/b", True) == serial
assert to_text(ok, True) == to_text(ok, False) == serial.decode("utf-8")
bad = findings("lone \udc80")
assert to_text(bad, True) == to_text(bad, False)
assert to_file(bad, tmp + "/c", True, "surrogatepass") == to_file(bad, tmp + "/d", False, "surrogatepass")
for fork in (False, True):
    try:
        to_file(bad, tmp + "/e", fork)
    except UnicodeEncodeError:
        pass
    else:
        raise AssertionError("a lone surrogate must not be written into a strict UTF-8 file")
assert len(forks) == 5, forks
print("OK")
'''


def test_json_report_written_on_two_cores_is_byte_identical(tmp_path: Path) -> None:
    """In a fresh interpreter (a test session has threads, and the writer then rightly refuses to
    fork): files (copied as bytes) and text streams, with and without unencodable characters."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", FORK_CHECK, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0 and r.stdout.strip() == "OK", r.stdout[-2000:] + r.stderr[-3000:]


def test_combined_workload_lookup_matches_connectivity(shared_dir: Path) -> None:
    from seawall.analyzers.combined import _workload_lookup
    from seawall.analyzers.netpol import run_connectivity

    run = _run([str(shared_dir / "corpus" / "k8s" / d) for d in ("kube-linter", "polaris")],
               Config(enable=("SW-RISK-*",)))
    conn = run_connectivity(run)
    lookup = _workload_lookup(conn)
    own = {id(o) for w in conn.workloads for o in w.objects}
    objs = [v.owner for v in run.inventory.workloads]
    assert sum(id(o) not in own for o in objs) > 10  # manifests that are not a peer's own object
    assert [lookup(o) for o in objs] == [conn.workload_for(o) for o in objs]


RBAC = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: all, namespace: shop}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: shop-all, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy, namespace: ci}
spec: {template: {spec: {serviceAccountName: deployer, containers: [{name: a, image: nginx}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: a, image: nginx}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job, namespace: shop}
spec: {template: {spec: {containers: [{name: a, image: nginx}]}}}
"""


def test_rbac_workload_token_findings_match_per_workload_answers(shared_dir: Path, tmp_path: Path) -> None:
    """The analyzer answers once per service account and binding profile; each workload's findings
    must be what asking about that workload alone gives."""
    from seawall.analyzers.rbac import _is_admin_role, identity_grants, takeover_capabilities
    from seawall.rbac.graph import EscalationGraph
    from seawall.rbac.matcher import Authorizer, Identity
    from seawall.rbac.model import RbacModel

    rbac = tmp_path / "rbac.yaml"
    rbac.write_text(RBAC, encoding="utf-8")
    run = _run([*(str(shared_dir / "corpus" / "k8s" / d) for d in ("checkov", "polaris")), str(rbac)],
               Config(enable=("SW-RBAC-*",)))
    model = RbacModel.from_objects(run.inventory.objects, run.inventory.workloads)
    graph = EscalationGraph(model)
    got: dict[str, set[tuple[str, str, str]]] = {"SW-RBAC-019": set(), "SW-RBAC-020": set(), "SW-RBAC-021": set()}
    for f in run.report.findings:
        if f.rule_id in got:
            r = f.resource
            got[f.rule_id].add((f.location.path, f"{r.kind}/{r.namespace}/{r.name}", f.message))
    want: dict[str, set[tuple[str, str, str]]] = {k: set() for k in got}
    for view, sa in model.mounted_tokens():
        o = view.owner
        ns, authz = o.effective_namespace, Authorizer(model)  # a fresh authorizer: no shared memo
        ident = Identity.service_account(ns, sa.name)
        where = (o.path, f"{o.kind}/{ns}/{o.name}")
        admin = [g for g in identity_grants(authz, model, ident) if _is_admin_role(g.role)]
        if admin:
            b = admin[0].binding
            scope = f"in namespace {b.namespace}" if b.namespace else "cluster-wide"
            want["SW-RBAC-020"].add((*where, f"{o.kind} {o.name} mounts the token of ServiceAccount {ns}/{sa.name}, "
                                     f"which has administrator rights {scope} ({b.ref()} -> {admin[0].role.ref()})"))
        takeover = takeover_capabilities(authz, model, ident)
        if takeover:
            want["SW-RBAC-021"].add((*where, f"{o.kind} {o.name} mounts the token of ServiceAccount {ns}/{sa.name}, "
                                     "which can: " + "; ".join(takeover)))
        path = graph.workload_path(view)
        if path and not any(g.binding.kind == "ClusterRoleBinding" for g in admin):
            want["SW-RBAC-019"].add((*where, "escalation path: " + " -> ".join(path)))
    assert all(want.values()), {k: len(v) for k, v in want.items()}
    assert got == want


def test_rbac_profile_index_matches_subject_applies(shared_dir: Path, tmp_path: Path) -> None:
    """Authorizer.profile looks bindings up by user and group name; it must select exactly the
    bindings whose subjects apply (subject_applies), for every kind of identity."""
    from seawall.rbac.matcher import Authorizer, Identity, subject_applies
    from seawall.rbac.model import RbacModel

    rbac = tmp_path / "rbac.yaml"
    rbac.write_text(RBAC + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                    "metadata: {name: nsless, namespace: shop}\nroleRef: {kind: ClusterRole, name: view}\n"
                    "subjects: [{kind: ServiceAccount, name: web}, {kind: User, name: 'system:serviceaccount:ci:x'},"
                    " {kind: Group, name: devs}, {kind: Robot, name: r2}]\n", encoding="utf-8")
    run = _run([str(shared_dir / "corpus" / "k8s" / "checkov"), str(rbac)], Config(enable=("SW-RBAC-*",)))
    model = RbacModel.from_objects(run.inventory.objects, run.inventory.workloads)
    authz = Authorizer(model)
    idents = {Identity.for_subject(s) for b in model.bindings for _, s in b.subjects}
    idents |= {Identity.service_account("shop", "web"), Identity.service_account("ci", "x"), Identity("", frozenset()),
               Identity.for_user("system:anonymous"), Identity("system:serviceaccount:ci:x", frozenset({"devs"}))}
    assert len(model.bindings) > 20 and len(idents) > 20
    for ident in idents:
        want = tuple(i for i, b in enumerate(model.bindings)
                     if any(subject_applies(s, ident, b.namespace) for _, s in b.subjects))
        assert authz.profile(ident) == want, ident
