"""Routing: organisation tree, grids, staff, routing policy. Owns assignments."""
