"""``python -m seawall``."""

from seawall.cli.main import main

raise SystemExit(main())
