"""Sparkhouse: a self-hosted real-time appliance on one port."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparkhouse")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+local"
