"""Infrastructure and published contracts shared by the four GridCase services.

Nothing here knows about a service's tables, rules or handlers: import-linter forbids
``shared`` from importing ``services``.
"""
