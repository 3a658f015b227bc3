"""The composition root: the ``gridcase`` command, the local infrastructure runner and
the launcher that starts the four services. Services never import it."""
