"""Entry script of the PyInstaller binary: the same CLI as ``python -m appliance``."""

import multiprocessing

# First, before anything else runs: a child process started by multiprocessing re-executes
# this binary, and freeze_support() turns that execution into the child instead of a CLI.
multiprocessing.freeze_support()

from appliance.platform.frozen import boot  # noqa: E402

boot()

from appliance.cli import main  # noqa: E402

main()
