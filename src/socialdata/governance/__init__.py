"""Governance: the partner organisations, the people who log in, agreements, projects and approvals."""
