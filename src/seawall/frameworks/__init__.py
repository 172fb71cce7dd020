"""Compliance frameworks as data. Which rules serve a control comes from the rules' own
metadata (``nist_countermeasure``); the YAML here only adds what code cannot know: control
titles and what an auditor must check by hand where no rule can decide."""
