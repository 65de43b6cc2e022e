"""ccterm: a terminal-first contact center for small teams."""

__version__ = "0.1.0"
