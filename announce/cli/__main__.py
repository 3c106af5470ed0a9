"""``python -m announce.cli``, as the ``announce`` command."""

import sys

from . import main

main(sys.argv[1:])
