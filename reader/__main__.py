"""`python -m reader` runs newsdesk."""

from reader.cli import main

raise SystemExit(main())
