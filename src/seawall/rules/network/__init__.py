"""Network rules: NetworkPolicy segmentation and egress findings (built by ``seawall.analyzers.netpol``)."""
