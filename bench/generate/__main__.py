"""``python -m bench.generate``: see ``bench.generate.main``."""

import sys

from bench.generate import main

sys.exit(main())
