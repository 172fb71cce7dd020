"""``python -m seawall.netpol matrix PATH...`` / ``explain SRC DST [PORT/PROTO] PATH...``."""

from seawall.cli.netpol import main

raise SystemExit(main())
