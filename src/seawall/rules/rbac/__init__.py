"""RBAC rules (SW-RBAC-*): Role/ClusterRole object checks and the ids the RBAC analyzer emits."""
