"""Benchmarks of Sparkhouse (``make bench`` = ``python -m bench``); not part of the tests.

One module per suite (``bench/sparks.py``, …), registered in ``bench/__main__.py``; shared
helpers in ``bench/common.py``. Every number is measured beside its baseline in the same run.
"""
