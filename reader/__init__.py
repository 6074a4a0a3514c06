"""newsdesk: a keyboard-driven terminal reader for a local store of news articles."""

__version__ = "0.1.0"
