"""The governance centre's reference consumer (``gridcase centre``): the centre's
situation view (综治中心态势) built from the documented topics alone, from the beginning.

It is a reader of the published contracts, not a service: it imports ``shared`` only
(import-linter forbids ``services``), reads ``gridcase.case.v1``, ``gridcase.cycle.v1``
and ``gridcase.registry.v1`` and never the restricted topic, and keeps its view in
memory, rebuilt on every run (see ``reader.py``).
"""
