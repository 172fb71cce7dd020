"""Isolation rules (SW-ISO-*), emitted by :mod:`seawall.analyzers.isolation`."""
