"""Who may use the analytics API: the auth modes and the route guards."""
