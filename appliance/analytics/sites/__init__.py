"""Websites as every other analytics package reads them: the cached repository and the tables."""
