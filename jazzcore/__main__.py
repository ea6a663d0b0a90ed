"""``python -m jazzcore``: see :mod:`jazzcore.cli`."""

import sys

from .cli import main

sys.exit(main())
