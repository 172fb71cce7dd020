"""Service-account identity of workloads: token automount, the default account, the
deprecated ``serviceAccount`` field, and the namespace's ``default`` ServiceAccount object.

Why: a mounted token is the credential an attacker inside a container uses against the API
server (NIST SP 800-190 3.3.1: unbounded administrative access). Pods that need no API access
should not carry one, and pods that do should have their own, narrowly bound account.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from seawall.engine import ScanRun, analyzer
from seawall.inventory.k8s import K8sObject, PodSpecView, as_str
from seawall.model.finding import Finding
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import present_ptr

_RISK = ["3.3.1"]
_CM = ["4.3.1"]


def _sa_name(view: PodSpecView) -> tuple[str, str]:
    """(service account name or '', pointer of the field that named it)."""
    name = as_str(view.spec.get("serviceAccountName"))
    if name:
        return name, view.ptr("serviceAccountName")
    legacy = as_str(view.spec.get("serviceAccount"))
    if legacy:
        return legacy, view.ptr("serviceAccount")
    return "", ""


AUTOMOUNT_ID = "SW-K8S-030"


def automount_violation(view: PodSpecView, sa_automount: dict[tuple[str, str], Any]) -> Violation | None:
    """The SW-K8S-030 verdict for one pod, given the automount setting of the ServiceAccounts
    known so far, keyed by (namespace, name). The pod-level field wins, as in the kubelet."""
    if not view.spec_present:
        return None
    value = view.spec.get("automountServiceAccountToken")
    if value is False:
        return None
    ptr = present_ptr(view.spec_pointer, view.spec, "automountServiceAccountToken")
    if value is True:
        return Violation("automountServiceAccountToken is true", ptr, evidence="automountServiceAccountToken=True")
    if sa_automount.get((view.owner.effective_namespace, _sa_name(view)[0] or "default")) is False:
        return None
    return Violation("automountServiceAccountToken is not set (defaults to true)", ptr)


@rule(
    id=AUTOMOUNT_ID,
    title="Service account token is mounted automatically",
    severity="medium",
    category="access",
    description="""Neither the pod spec nor its ServiceAccount (when that ServiceAccount is among
    the scanned manifests) sets automountServiceAccountToken: false, so an API token is mounted
    into every container. Anyone who gets code execution can call the API server with that
    account's rights. The pod-level field wins over the ServiceAccount's, as in the kubelet.""",
    remediation="""
spec:
  automountServiceAccountToken: false   # pods that call the API: a dedicated SA + projected token
""",
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_38",
        "kubescape": ["C-0034", "C-0261"],
        "trivy": "KSV-0036",
        "polaris": "automountServiceAccountToken",
        "kubesec": "AutomountServiceAccountToken",
    },
    cis=["5.1.6"],
)
def automount_token(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    v = automount_violation(view, {})
    if v is not None:
        yield v


@analyzer("hardening-automount", rules=("SW-K8S-",))
def withdraw_automount(run: ScanRun) -> Iterator[Finding]:
    """Withdraw SW-K8S-030 findings for pods whose ServiceAccount, found anywhere in the scan,
    disables automounting. The per-pod rule cannot know about ServiceAccounts in files read
    later; doing the whole check here instead would re-parse every file for line numbers."""
    disabled = {
        (o.effective_namespace, o.name)
        for o in run.inventory.by_kind("ServiceAccount")
        if o.data.get("automountServiceAccountToken") is False
    }
    if not disabled:
        return iter(())
    owners = {
        (v.owner.path, v.owner.kind, v.owner.effective_namespace, v.owner.name): v for v in run.inventory.workloads
    }
    keep: list[Finding] = []
    for f in run.report.findings:
        if f.rule_id == AUTOMOUNT_ID and not f.evidence:  # pod-level field unset
            view = owners.get((f.location.path, f.resource.kind, f.resource.namespace, f.resource.name))
            if view is not None and (view.owner.effective_namespace, _sa_name(view)[0] or "default") in disabled:
                continue
        keep.append(f)
    run.report.findings[:] = keep
    return iter(())


@rule(
    id="SW-K8S-031",
    title="Workload uses the default service account",
    severity="low",
    category="access",
    description="""The pod runs as its namespace's `default` ServiceAccount (explicitly or because
    none is named). Every other pod in the namespace shares that identity, so any RoleBinding
    granted to it is granted to all of them.""",
    remediation="""
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
automountServiceAccountToken: false
---
spec:
  serviceAccountName: app
""",
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={"kubescape": "C-0189", "kube-linter": "default-service-account", "kubesec": "ServiceAccountName"},
    cis=["5.1.5"],
)
def default_service_account(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if not view.spec_present:
        return
    name, ptr = _sa_name(view)
    if name and name != "default":
        return
    if name:
        yield Violation("pod uses the 'default' service account", ptr, evidence=name)
    else:
        yield Violation(
            "pod names no serviceAccountName, so it runs as the namespace's 'default' service account",
            view.spec_pointer,
        )


@rule(
    id="SW-K8S-032",
    title="Deprecated serviceAccount field used",
    severity="low",
    category="access",
    description="""`spec.serviceAccount` is a deprecated alias of `serviceAccountName`, used alone
    or with a different value. When both are present and differ, what runs depends on the API
    server version; tools that only read one of them misjudge the identity. (Both set to the same
    value is what the API server itself writes back, and passes.)""",
    remediation="""
spec:
  serviceAccountName: app     # replaces serviceAccount: app
""",
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={"kubescape": "C-0294", "kube-linter": "deprecated-service-account-field"},
)
def deprecated_sa_field(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    legacy = as_str(view.spec.get("serviceAccount"))
    if not legacy:
        return
    name = as_str(view.spec.get("serviceAccountName"))
    if name == legacy:
        return  # the API server mirrors serviceAccountName into it; exported pods all have both
    why = f"differs from serviceAccountName {name!r}" if name else "is used instead of serviceAccountName"
    yield Violation(
        f"the deprecated serviceAccount field ({legacy!r}) {why}",
        view.ptr("serviceAccount"),
        evidence=legacy,
    )


@rule(
    id="SW-K8S-033",
    title="Default ServiceAccount automounts its token",
    severity="medium",
    category="access",
    description="""The namespace's `default` ServiceAccount does not set
    automountServiceAccountToken: false, so every pod that names no account gets a token.""",
    remediation="""
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
automountServiceAccountToken: false
""",
    risk=_RISK,
    countermeasure=_CM,
    target="object",
    kinds=("ServiceAccount",),
    tools={"checkov": "CKV_K8S_41", "kubescape": "C-0189"},
    cis=["5.1.5"],
)
def default_sa_object(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    if obj.name != "default":
        return
    value = obj.data.get("automountServiceAccountToken")
    if value is False:
        return
    yield Violation(
        "ServiceAccount 'default' does not set automountServiceAccountToken: false",
        present_ptr(obj.pointer, obj.data, "automountServiceAccountToken"),
        evidence=f"automountServiceAccountToken={value!r}" if value is not None else "",
    )
