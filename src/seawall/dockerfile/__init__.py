"""Dockerfile parsing (``parser``), shell-command analysis (``shell``) and the scan handler."""
