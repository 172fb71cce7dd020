"""RBAC as the API server evaluates it: the model loaded from manifests, Kubernetes' own rule
matcher, who-can queries and the privilege-escalation graph."""
