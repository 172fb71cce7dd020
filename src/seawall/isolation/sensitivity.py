"""Sensitivity levels: read from a label on the workload (pod template first, then the workload
object) or, failing that, its Namespace, and the ``sensitivity`` section of ``.seawall.yaml``.

Example::

    sensitivity:
      label: data-classification          # default: seawall.io/sensitivity
      non_sensitive: [public, internal]   # levels treated like "no label" (default below)
      sandbox_runtime_classes: [gvisor, kata]
      require_sandbox_for: [high]         # levels that must run under a sandboxed runtime

Why a config section instead of fixed levels: every organisation names its classifications
differently; seawall only needs to know which label carries them and which values are harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seawall.errors import PolicyError
from seawall.inventory.k8s import K8sObject, PodSpecView, as_str

DEFAULT_LABEL = "seawall.io/sensitivity"
#: Same defaults as the netpol analyzer's "sensitive workload" findings.
DEFAULT_NON_SENSITIVE = ("", "none", "public", "low", "non-sensitive", "nonsensitive", "false", "unclassified")
DEFAULT_SANDBOX_CLASSES = ("gvisor", "runsc", "kata", "kata-qemu", "kata-clh", "kata-fc", "kata-qemu-tdx")
#: RuntimeClass handlers that are sandboxes (a RuntimeClass in the input naming one counts too).
SANDBOX_HANDLERS = ("runsc", "gvisor", "kata")


@dataclass(frozen=True, slots=True)
class SensitivityConfig:
    label: str = DEFAULT_LABEL
    non_sensitive: tuple[str, ...] = DEFAULT_NON_SENSITIVE
    sandbox_runtime_classes: tuple[str, ...] = DEFAULT_SANDBOX_CLASSES
    require_sandbox_for: tuple[str, ...] = ()

    @classmethod
    def from_section(cls, section: dict[str, Any], subject: str = ".seawall.yaml") -> SensitivityConfig:
        known = {"label", "non_sensitive", "sandbox_runtime_classes", "require_sandbox_for"}
        unknown = sorted(set(section) - known)
        if unknown:
            raise PolicyError(f"sensitivity: unknown key(s) {', '.join(map(str, unknown))}", subject=subject)
        label = section.get("label", DEFAULT_LABEL)
        if not isinstance(label, str) or not label.strip():
            raise PolicyError("sensitivity.label must be a non-empty string", subject=subject)

        def strs(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = section.get(key)
            if value is None:
                return default
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                                      for v in value):
                raise PolicyError(f"sensitivity.{key} must be a list of strings", subject=subject)
            return tuple(str(v) for v in value)

        non = strs("non_sensitive", DEFAULT_NON_SENSITIVE)
        return cls(
            label=label.strip(),
            non_sensitive=tuple({"", *non}),
            sandbox_runtime_classes=strs("sandbox_runtime_classes", DEFAULT_SANDBOX_CLASSES),
            require_sandbox_for=strs("require_sandbox_for", ()),
        )

    def is_sensitive(self, level: str) -> bool:
        return level.lower() not in self.harmless()

    def harmless(self) -> frozenset[str]:
        """The non-sensitive levels, lower-cased (build once when classifying many workloads)."""
        return frozenset(n.lower() for n in self.non_sensitive)


@dataclass(frozen=True, slots=True)
class Level:
    value: str  # "" = unlabelled
    source: str  # "pod", "workload", "namespace" or ""


UNLABELLED = Level("", "")


def level_of(view: PodSpecView, cfg: SensitivityConfig, namespaces: dict[str, K8sObject]) -> Level:
    for source, labels in (("pod", view.labels), ("workload", view.owner.labels)):
        v = as_str(labels.get(cfg.label)).strip()
        if v:
            return Level(v, source)
    ns = namespaces.get(view.owner.effective_namespace)
    if ns is not None:
        v = as_str(ns.labels.get(cfg.label)).strip()
        if v:
            return Level(v, "namespace")
    return UNLABELLED


def level_from_labels(labels: dict[str, Any], ns_labels: dict[str, Any], cfg: SensitivityConfig) -> str:
    """Same precedence for peers known only by their labels (network analysis)."""
    return as_str(labels.get(cfg.label)).strip() or as_str(ns_labels.get(cfg.label)).strip()
