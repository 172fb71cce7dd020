"""Turn raw input into typed facts: Kubernetes objects and pod specs, image filesystems, packages."""
