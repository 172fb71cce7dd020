"""Configuration (.seawall.yaml), ignores, baselines, severity overrides and custom rules."""
