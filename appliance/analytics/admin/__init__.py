"""Administration: auth routes, API keys, websites and goals."""
