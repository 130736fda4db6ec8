"""Secure data environment: project extracts, dataset definitions compiled to an analytics engine, sandboxed jobs."""
