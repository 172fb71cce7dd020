"""Service exposure: NodePort, LoadBalancer, externalIPs, and a Service in front of Tiller.

Why: a Service decides who can reach a workload from outside the cluster network. NodePort
opens a port on every node, LoadBalancer asks the cloud for a public address, and externalIPs
lets whoever can create Services intercept traffic to any IP (CVE-2020-8554). NIST SP 800-190
3.3.3/3.4.2: traffic between sensitivity levels must go through few, defined interfaces.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str
from seawall.rules.k8s.common import esc
from seawall.rules.registry import Violation, rule

_RISK = ["3.3.3", "3.4.2"]
_CM = ["4.3.3", "4.4.2"]

#: Annotations that make a cloud load balancer internal (private address only).
_INTERNAL_LB = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": None,  # any truthy value
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "networking.gke.io/load-balancer-type": "Internal",
    "cloud.google.com/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "service.beta.kubernetes.io/oci-load-balancer-internal": "true",
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private",
}


def _type_ptr(obj: K8sObject) -> str:
    return obj.pointer + "/spec/type"


@rule(
    id="SW-K8S-082",
    title="Service of type NodePort",
    severity="medium",
    category="network",
    description="""A NodePort Service opens the same port on every node's address, bypassing
    the ingress controller and any load-balancer firewall; it is rarely intended outside
    development.""",
    remediation="""
spec:
  type: ClusterIP        # expose through an Ingress / Gateway instead of NodePort
""",
    risk=_RISK,
    countermeasure=_CM,
    target="object",
    kinds=("Service",),
    tools={"kube-linter": "exposed-services", "kube-score": "service-type"},
)
def node_port(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    if as_str(obj.spec.get("type")) == "NodePort":
        ports = [str(as_int(as_dict(p).get("nodePort"))) for p in as_list(obj.spec.get("ports"))
                 if as_int(as_dict(p).get("nodePort")) is not None]
        yield Violation("Service is of type NodePort", _type_ptr(obj), evidence=",".join(ports))


def _internal(obj: K8sObject) -> bool:
    ann = obj.annotations
    for key, want in _INTERNAL_LB.items():
        got = as_str(ann.get(key)) if key in ann else None
        if got is None:
            continue
        if want is None and got.lower() not in ("", "false", "0"):
            return True
        if want is not None and got.lower() == want.lower():
            return True
    return False


@rule(
    id="SW-K8S-083",
    title="Service of type LoadBalancer",
    severity="medium",
    category="network",
    description="""A LoadBalancer Service gets an external load balancer, usually with a public
    address reachable from the internet. Internal load balancers (cloud annotations) or
    `loadBalancerSourceRanges` lower the severity to low.""",
    remediation="""
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: ["203.0.113.0/24"]   # or type: ClusterIP behind an Ingress
metadata:
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-internal: "true"   # if only internal
""",
    risk=_RISK,
    countermeasure=_CM,
    target="object",
    kinds=("Service",),
    tools={"kube-linter": "exposed-services"},
)
def load_balancer(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    if as_str(obj.spec.get("type")) != "LoadBalancer":
        return
    from seawall.model.finding import Severity

    ranges = [as_str(r) for r in as_list(obj.spec.get("loadBalancerSourceRanges")) if as_str(r)]
    open_ranges = [r for r in ranges if r in ("0.0.0.0/0", "::/0")]
    if _internal(obj):
        yield Violation("Service is an internal LoadBalancer", _type_ptr(obj), severity=Severity.LOW)
    elif ranges and not open_ranges:
        yield Violation("Service is a LoadBalancer restricted by loadBalancerSourceRanges", _type_ptr(obj),
                        severity=Severity.LOW, evidence=",".join(ranges))
    else:
        yield Violation("Service is an external LoadBalancer open to any source address", _type_ptr(obj))


@rule(
    id="SW-K8S-084",
    title="Service sets externalIPs",
    severity="high",
    category="network",
    description="""spec.externalIPs makes kube-proxy capture traffic for those addresses on every
    node. Anyone allowed to create Services can use it to intercept traffic meant for any IP
    (CVE-2020-8554); block it with the DenyServiceExternalIPs admission plugin.""",
    remediation="""
spec:
  externalIPs: []        # remove; use type: LoadBalancer or an Ingress
""",
    risk=_RISK,
    countermeasure=_CM,
    target="object",
    kinds=("Service",),
    tools={"trivy": "KSV-0108"},
)
def external_ips(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    ips = [as_str(ip) for ip in as_list(obj.spec.get("externalIPs"))]
    if ips:
        yield Violation("Service sets externalIPs", obj.pointer + "/spec/externalIPs", evidence=",".join(ips))


@rule(
    id="SW-K8S-085",
    title="Service exposes Helm v2 Tiller",
    severity="high",
    category="network",
    description="""A Service selects or is labelled as Tiller (app=helm, name=tiller). Tiller's
    gRPC API has no authentication by default; a Service makes it reachable from every pod.""",
    remediation="""
# delete the tiller-deploy Service (and Tiller itself: migrate to Helm 3)
""",
    risk=["3.3.1", "3.4.2"],
    countermeasure=["4.3.1", "4.4.2"],
    target="object",
    kinds=("Service",),
    tools={"checkov": "CKV_K8S_44"},
)
def tiller_service(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for where, labels in (("/metadata/labels", obj.labels), ("/spec/selector", as_dict(obj.spec.get("selector")))):
        if as_str(labels.get("app")) == "helm" and as_str(labels.get("name")) == "tiller":
            yield Violation(f"Service {where.rsplit('/', 1)[-1]} app=helm,name=tiller targets Tiller",
                            obj.pointer + where)
            return
    for i, p in enumerate(as_list(obj.spec.get("ports"))):
        if as_int(as_dict(p).get("port")) == 44134 or as_str(as_dict(p).get("targetPort")) == "44134":
            yield Violation("Service exposes Tiller's port 44134", f"{obj.pointer}/spec/ports/{esc(i)}/port",
                            evidence="44134")
            return
