"""Secret detection: rules (``rules/``), the scanning engine, redaction, and the places it looks
(file trees, Kubernetes objects, image layers and image config)."""
