"""Dockerfile rules (target ``dockerfile``): hadolint's most used checks, the CIS Docker
Benchmark image section, and supply-chain checks. Each yields ``Violation(line=...)``."""
