"""Engines that run a dataset definition's query model: one Ibis compiler, a connection per engine."""
