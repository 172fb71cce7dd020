"""Kubernetes NetworkPolicy semantics, one rule at a time, on small hand-written clusters."""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

import pytest

from seawall.netpol import ConnectionSet, analyze
from seawall.netpol.analysis import Connectivity
from seawall.netpol.ipblocks import V6_OFFSET, IPBlock, atoms, format_address, format_range
from seawall.netpol.model import Workload
from seawall.netpol.selectors import LabelIndex, compile_selector
from seawall.sources.manifests import parse_manifest_text


def cluster(*docs: str) -> Connectivity:
    text = "\n---\n".join(docs)
    return analyze(parse_manifest_text(text, "test.yaml").objects)


def pod(name: str, ns: str = "default", labels: str = "", ports: str = "") -> str:
    lab = f"\n  labels: {{{labels}}}" if labels else ""
    prt = f"\n    ports: [{ports}]" if ports else ""
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}{lab}
spec:
  containers:
  - name: c
    image: x{prt}"""


def netpol(name: str, spec: str, ns: str = "default") -> str:
    body = "\n".join("  " + line for line in spec.strip("\n").splitlines())
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
{body}"""


def ns(name: str, labels: str = "") -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{{labels}}}"


def w(conn: Connectivity, key: str) -> Workload:
    hits = conn.cluster.find(key)
    assert hits, key
    return hits[0]


def allowed(conn: Connectivity, a: str, b: str) -> str:
    src = conn.find(a)
    dst = conn.find(b)
    assert src is not None and dst is not None
    return str(conn.allowed(src, dst))


# -- policyTypes defaulting -------------------------------------------------------------------


def test_no_policy_allows_everything() -> None:
    c = cluster(pod("a", labels="app: a"), pod("b", labels="app: b"))
    assert allowed(c, "a", "b") == "All Connections"
    assert allowed(c, "a", "8.8.8.8") == "All Connections"


def test_policy_without_types_and_only_ingress_rules_leaves_egress_open() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b", labels="app: b"),
        netpol(
            "p", "podSelector: {matchLabels: {app: a}}\ningress: [{from: [{podSelector: {matchLabels: {app: b}}}]}]"
        ),
    )
    assert allowed(c, "b", "a") == "All Connections"
    assert allowed(c, "a", "b") == "All Connections"  # egress of a unaffected
    assert allowed(c, "8.8.8.8", "a") == "No Connections"  # ingress of a now isolated


def test_egress_rules_without_types_restrict_egress() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b", labels="app: b"),
        netpol(
            "p",
            "podSelector: {matchLabels: {app: a}}\n"
            "egress: [{to: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 80}]}]",
        ),
    )
    assert allowed(c, "a", "b") == "TCP 80"
    assert allowed(c, "a", "8.8.8.8") == "No Connections"
    assert allowed(c, "b", "a") == "No Connections"  # Ingress is always affected: no ingress rules = deny


def test_empty_egress_list_without_types_does_not_affect_egress() -> None:
    c = cluster(pod("a", labels="app: a"), netpol("p", "podSelector: {}\negress: []\ningress: [{}]"))
    assert allowed(c, "a", "1.2.3.4") == "All Connections"


def test_empty_egress_with_egress_type_denies_all_egress() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b"),
        netpol("p", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\negress: []"),
    )
    assert allowed(c, "a", "b") == "No Connections"
    assert allowed(c, "a", "1.2.3.4") == "No Connections"
    assert allowed(c, "b", "a") == "All Connections"  # Ingress not in policyTypes


def test_policy_types_in_any_order() -> None:
    c = cluster(pod("a"), pod("b"), netpol("p", "podSelector: {}\npolicyTypes: [Egress, Ingress]"))
    assert allowed(c, "a", "b") == "No Connections"


def test_missing_pod_selector_selects_all_pods_of_the_namespace() -> None:
    c = cluster(pod("a"), pod("b"), pod("c", ns="other"), netpol("p", "policyTypes: [Ingress]"))
    assert allowed(c, "a", "b") == "No Connections"
    assert allowed(c, "a", "other/c") == "All Connections"


# -- peers ---------------------------------------------------------------------------------------


def test_namespace_and_pod_selector_in_one_peer_vs_two_peers() -> None:
    docs = [
        ns("prod", "env: prod"),
        ns("dev", "env: dev"),
        pod("db", ns="prod", labels="app: db"),
        pod("web", ns="prod", labels="app: web"),
        pod("web", ns="dev", labels="app: web"),
        pod("tool", ns="dev", labels="app: tool"),
    ]
    one = cluster(
        *docs,
        netpol(
            "p",
            "podSelector: {matchLabels: {app: db}}\n"
            "ingress: [{from: [{namespaceSelector: {matchLabels: {env: dev}},"
            " podSelector: {matchLabels: {app: web}}}]}]",
            ns="prod",
        ),
    )
    assert allowed(one, "dev/web", "prod/db") == "All Connections"
    assert allowed(one, "dev/tool", "prod/db") == "No Connections"
    assert allowed(one, "prod/web", "prod/db") == "No Connections"
    two = cluster(
        *docs,
        netpol(
            "p",
            "podSelector: {matchLabels: {app: db}}\n"
            "ingress: [{from: [{namespaceSelector: {matchLabels: {env: dev}}},"
            " {podSelector: {matchLabels: {app: web}}}]}]",
            ns="prod",
        ),
    )
    assert allowed(two, "dev/tool", "prod/db") == "All Connections"  # anything in dev
    assert allowed(two, "prod/web", "prod/db") == "All Connections"  # web in the policy's namespace


def test_namespace_name_label_is_implicit() -> None:
    c = cluster(
        pod("a", ns="x"),
        pod("b", ns="y"),
        netpol(
            "p",
            "podSelector: {}\n"
            "ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}}]}]",
            ns="y",
        ),
    )
    assert allowed(c, "x/a", "y/b") == "All Connections"


def test_ipblock_except_and_pods_never_match_ipblocks() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b"),
        netpol(
            "p",
            "podSelector: {matchLabels: {app: a}}\n"
            "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]",
        ),
    )
    assert allowed(c, "10.2.3.4", "a") == "All Connections"
    assert allowed(c, "10.1.3.4", "a") == "No Connections"
    assert allowed(c, "11.0.0.1", "a") == "No Connections"
    assert allowed(c, "b", "a") == "No Connections"
    ranges = sorted(p.key for p in c.src_ips)
    assert ranges == [
        "0.0.0.0-9.255.255.255[External]",
        "10.0.0.0-10.0.255.255[External]",
        "10.1.0.0-10.1.255.255[External]",
        "10.2.0.0-10.255.255.255[External]",
        "11.0.0.0-255.255.255.255[External]",
    ]


# -- ports ---------------------------------------------------------------------------------------


def test_named_port_resolved_on_destination_pod() -> None:
    c = cluster(
        pod(
            "a",
            labels="app: a",
            ports="{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}",
        ),
        pod("b", labels="app: b"),
        netpol("p", "podSelector: {matchLabels: {app: a}}\ningress: [{ports: [{port: http}, {port: dns}]}]"),
    )
    # 'dns' is UDP on the pod but the rule says TCP (the default): no match
    assert allowed(c, "b", "a") == "TCP 8080"


def test_named_port_egress_toward_ipblock_gives_nothing_for_addresses() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b", labels="app: b", ports="{name: http, containerPort: 9090}"),
        netpol(
            "p",
            "podSelector: {matchLabels: {app: a}}\n"
            "policyTypes: [Egress]\n"
            "egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}, {podSelector: {}}], ports: [{port: http}]}]",
        ),
    )
    assert allowed(c, "a", "1.2.3.4") == "No Connections"
    assert allowed(c, "a", "b") == "TCP 9090"


def test_end_port_range_and_protocols() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b"),
        netpol(
            "p",
            "podSelector: {matchLabels: {app: a}}\n"
            "ingress: [{ports: [{port: 8000, endPort: 8100}, {protocol: UDP, port: 53}, {protocol: SCTP}]}]",
        ),
    )
    assert allowed(c, "b", "a") == "SCTP 1-65535,TCP 8000-8100,UDP 53"


def test_both_directions_are_required() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b", labels="app: b"),
        netpol(
            "pa",
            "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 80}, {port: 443}]}]",
        ),
        netpol("pb", "podSelector: {matchLabels: {app: b}}\ningress: [{ports: [{port: 443}, {port: 8443}]}]"),
    )
    assert allowed(c, "a", "b") == "TCP 443"


# -- selectors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "labels", "expected"),
    [
        ("{key: env, operator: NotIn, values: [prod]}", {}, True),
        ("{key: env, operator: NotIn, values: [prod]}", {"env": "prod"}, False),
        ("{key: env, operator: DoesNotExist}", {}, True),
        ("{key: env, operator: DoesNotExist}", {"env": "x"}, False),
        ("{key: env, operator: Exists}", {"env": ""}, True),
        ("{key: env, operator: In, values: [a, b]}", {"env": "b"}, True),
        ("{key: env, operator: In, values: [a, b]}", {}, False),
    ],
)
def test_match_expressions(expr: str, labels: dict[str, str], expected: bool) -> None:
    import yaml

    sel = compile_selector(yaml.safe_load(f"matchExpressions: [{expr}]"))
    assert sel.matches(labels) is expected
    idx = LabelIndex.build([labels])
    assert (0 in idx.select(sel)) is expected


@pytest.mark.parametrize(
    "raw",
    [
        {"matchExpressions": [{"key": "a", "operator": "In"}]},
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
        {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
        {"matchLabels": "app=x"},
        "app=x",
    ],
)
def test_invalid_selectors_match_nothing(raw: object) -> None:
    sel = compile_selector(raw)
    assert sel.error
    assert not sel.matches({"a": "x", "app": "x"})


def test_invalid_policy_pieces_are_warnings_not_crashes() -> None:
    c = cluster(
        pod("a", labels="app: a"),
        pod("b"),
        netpol(
            "p",
            "podSelector: {matchLabels: {app: a}}\n"
            "ingress: [{from: [{ipBlock: {cidr: nonsense}}, {}]},"
            " {from: [{podSelector: {matchExpressions: [{key: k, operator: In}]}}]}]",
        ),
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata: {name: q}\n"
        "spec: {podSelector: 7, ingress: [3, null], egress: {x: 1}, policyTypes: 9}",
    )
    assert allowed(c, "b", "a") == "No Connections"
    assert any("invalid ipBlock" in m for m in c.warnings)
    assert any("needs values" in m for m in c.warnings)


# -- workloads -----------------------------------------------------------------------------------


def test_pods_are_grouped_by_controller_owner() -> None:
    rs_pod = """apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true}]
spec: {containers: [{name: c, image: x}]}"""
    dep = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: x}]}"""
    c = cluster(rs_pod, rs_pod.replace("web-abc-1", "web-abc-2"), dep, pod("solo"))
    assert sorted(x.key for x in c.workloads) == [
        "default/solo[Pod]",
        "default/web-abc[ReplicaSet]",
        "shop/api[Deployment]",
    ]
    assert w(c, "default/web-abc").pods == 2


# -- connection sets and address ranges ---------------------------------------------------------


def test_connection_set_algebra_and_strings() -> None:
    tcp = ConnectionSet.of("TCP", 80, 90)
    assert str(tcp | ConnectionSet.of("TCP", 91, 95)) == "TCP 80-95"
    assert str(tcp & ConnectionSet.of("TCP", 85, 100)) == "TCP 85-90"
    assert (
        str(ConnectionSet.all() - ConnectionSet.of("UDP", 5353, 5353))
        == "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"
    )
    assert ConnectionSet.none().is_empty() and str(ConnectionSet.none()) == "No Connections"
    assert ("TCP", 85) in tcp and ("UDP", 85) not in tcp
    assert ConnectionSet.parse("8080/TCP") == ConnectionSet.parse("tcp-8080")
    with pytest.raises(ValueError):
        ConnectionSet.parse("http")


def test_atoms_split_at_every_boundary() -> None:
    blocks = [IPBlock.parse("10.0.0.0/8", ["10.0.0.0/16"]), IPBlock.parse("10.0.0.0/24")]
    got = [format_range(lo, hi) for lo, hi in atoms(blocks)]
    assert got == [
        "0.0.0.0-9.255.255.255",
        "10.0.0.0-10.0.0.255",
        "10.0.1.0-10.0.255.255",
        "10.1.0.0-10.255.255.255",
        "11.0.0.0-255.255.255.255",
    ]
    v6 = atoms([IPBlock.parse("2001:db8::/32")])
    assert any(format_range(lo, hi) == "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" for lo, hi in v6)
    with pytest.raises(ValueError):
        IPBlock.parse("10.0.0.0/33")


def test_api_for_other_analyzers() -> None:
    """What the isolation analyzer uses: map manifests to peers, ask who reaches a workload."""
    c = cluster(
        pod("db", labels="app: db"),
        pod("web", labels="app: web"),
        pod("batch", labels="app: batch"),
        netpol(
            "db", "podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]"
        ),
    )
    db_obj = next(o for w in c.workloads for o in w.objects if o.name == "db")
    db = c.workload_for(db_obj)
    assert db is not None and db.key == "default/db[Pod]"
    assert [(p.key, str(conns)) for p, conns in c.reachable_from(db)] == [("default/web[Pod]", "All Connections")]
    web = w(c, "web")
    assert c.allowed(web, db).is_all() and c.allowed(w(c, "batch"), db).is_empty()


def test_ingress_and_route_backends_reach_workloads_through_policies() -> None:
    dep = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}, {containerPort: 9090}]}]}"""
    svc = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: main, port: 80, targetPort: http}, {name: admin, port: 90, targetPort: 9090}]"""
    ing_v1beta1 = """apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec:
  backend: {serviceName: web, servicePort: 80}"""
    route = """apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: admin, namespace: shop}
spec:
  to: {kind: Service, name: web}
  port: {targetPort: 9090}"""
    c = cluster(dep, svc, ing_v1beta1, route)
    assert [(w.key, str(conns)) for w, conns in c.ingress_connections()] == [("shop/web[Deployment]", "TCP 8080,9090")]
    pairs = [(s.key, d.key, str(x)) for s, d, x in c.pairs() if s.is_virtual]
    assert pairs == [("{ingress-controller}", "shop/web[Deployment]", "TCP 8080,9090")]
    # a policy admitting only same-namespace pods blocks the controller (it lives in ingress-controller-ns)
    locked = cluster(
        dep,
        svc,
        ing_v1beta1,
        route,
        netpol("web", "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]", ns="shop"),
    )
    assert locked.ingress_connections() == []
    assert any("blocked by its NetworkPolicies" in m for m in locked.warnings)
    opened = cluster(
        dep,
        svc,
        ing_v1beta1,
        route,
        netpol(
            "web", "podSelector: {}\ningress: [{from: [{namespaceSelector: {}}], ports: [{port: 8080}]}]", ns="shop"
        ),
    )
    assert [str(x) for _, x in opened.ingress_connections()] == ["TCP 8080"]


@pytest.mark.parametrize(
    "name",
    ["anp_banp_blog_demo", "anp_test_10", "onlineboutique_workloads", "ipblockstest", "test_with_named_ports"],
)
def test_class_grouped_pairs_equal_direct_evaluation(name: str, shared_dir: Path) -> None:
    """pairs() evaluates one representative per behaviour class; every member must agree."""
    from seawall.netpol import load_objects

    objs, _ = load_objects([str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / name)])
    c = analyze(objs)
    listed = {(s.key, d.key): x for s, d, x in c.pairs()}
    for s in c.sources():
        for d in c.destinations():
            if s.key == d.key or (s.is_ip and d.is_ip):
                continue
            direct = c.allowed(s, d)
            assert listed.get((s.key, d.key), ConnectionSet.none()) == direct, (s.key, d.key)


def test_ipv4_range_names_are_ipaddress_dotted_quads() -> None:
    rnd = random.Random(6)
    values = [0, 1, 255, 256, 65535, 65536, 2**24 - 1, 2**24, 2**31, 2**32 - 1]
    values += [rnd.randrange(2**32) for _ in range(2000)]
    for v in values:
        assert format_address(v) == str(ipaddress.IPv4Address(v))
    assert format_address(V6_OFFSET + 1) == "::1"
    assert format_range(0, 2**32 - 1) == "0.0.0.0-255.255.255.255"
