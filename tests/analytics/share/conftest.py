"""The share-link tests read the section 11 data set of the query tests (its first website
has a share link): the same fixtures, on a server of this package's own."""

from tests.analytics.query.conftest import api, setup

__all__ = ["api", "setup"]
