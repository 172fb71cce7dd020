"""Object rules for non-workload Kubernetes kinds (Namespace, Service, Ingress, ConfigMap, ...)
and for properties every namespaced object shares (namespace placement, API version).

Why a package of its own: these rules receive a whole :class:`K8sObject` (``target="object"``,
dispatched by kind), not a normalised pod spec, and belong to no workload family.
"""
