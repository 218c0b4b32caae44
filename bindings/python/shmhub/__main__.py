"""``python -m shmhub``: the shmhub console command (see shmhub._cli)."""

import sys

from ._cli import main

sys.exit(main())
