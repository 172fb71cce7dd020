"""The views' pointer helpers (ContainerView.ptr, PodSpecView.ptr/meta_ptr) take a fast path for
plain keys; they must build exactly what ``join_pointer`` builds, for any base and parts."""

from __future__ import annotations

import itertools

from seawall.inventory.k8s import K8sObject, _join
from seawall.sources.pointer import join_pointer

BASES = ["/spec", "/items/3/spec/template/spec", "", "/", "/x/", "a", "/a~0b/c~1d"]
PARTS: list[object] = ["a", "/b", "/", "", "x/y", "~t", 3, "/c/", "//", "a~/b", -1, True, "securityContext"]


def test_join_matches_join_pointer() -> None:
    n = 0
    for base in BASES:
        for k in range(4):
            for parts in itertools.product(PARTS, repeat=k):
                assert _join(base, parts) == join_pointer(base, *parts), (base, parts)
                n += 1
    assert n > 10000


def test_view_helpers() -> None:
    doc = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {}, "spec": {"containers": [{"name": "a/b"}, "x", {"image": "i"}]}}},
    }
    view = K8sObject("apps/v1", "Deployment", "d", "", doc, "d.yaml", 0, 1, pointer="/items/2").pod_view()
    assert view is not None
    assert view.ptr("securityContext", "runAsUser") == "/items/2/spec/template/spec/securityContext/runAsUser"
    assert view.meta_ptr("annotations", "x/y~z") == "/items/2/spec/template/metadata/annotations/x~1y~0z"
    cs = view.containers()
    base = "/items/2/spec/template/spec/containers"
    assert [c.pointer for c in cs] == [f"{base}/0", f"{base}/2"]
    assert [c.name for c in cs] == ["a/b", "containers[2]"]
    assert cs[0].ptr("env", 0, "value") == "/items/2/spec/template/spec/containers/0/env/0/value"
    assert view.containers(("containers",)) is view.containers(("containers",))  # built once
