"""Master person index: which source records are the same real person, deterministic then probabilistic."""
