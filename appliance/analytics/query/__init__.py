"""The read side: query parameters, one module per report, their services and routes."""
