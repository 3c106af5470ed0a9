"""``python -m announce``: the same as the ``announce`` command."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover - run as a program, not imported
    main()
