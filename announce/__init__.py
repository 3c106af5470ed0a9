"""announce: turn a meetup's talk files into announcement emails and send them once."""

__all__ = ["__version__"]

__version__ = "0.2.0"
