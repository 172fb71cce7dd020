"""Trusted registries: the ``registries:`` config section and whole-registry scanning.

:mod:`seawall.registries.policy` parses the section every registry-facing feature shares
(signatures, freshness, trusted-registry rules, ``seawall registry scan``), so one host list
means the same thing everywhere. :mod:`seawall.registries.scan` scans every image of a registry.
"""
