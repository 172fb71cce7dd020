"""Workload (pod spec) rules: Pod Security Standards checks and further hardening rules."""
