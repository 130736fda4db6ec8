"""Statistical disclosure control checks on research outputs and the airlock they pass through to be released."""
