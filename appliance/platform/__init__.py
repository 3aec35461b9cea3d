"""Shared platform of the appliance: HTTP, realtime, jobs. Imports no part."""
