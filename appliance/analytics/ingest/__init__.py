"""Ingestion: collect and its adapters, enrichment, visitor ids, the journal and the flusher."""
