"""The frozen query model dataset definitions are built into and engines compile."""
