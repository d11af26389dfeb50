"""`python -m bot` runs the same command line as `setlist`."""

from bot.cli import main

raise SystemExit(main())
