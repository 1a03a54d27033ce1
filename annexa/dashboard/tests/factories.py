"""The dashboard has no models and no route kwargs besides ``org`` (``tests/test_access.py``)."""

FACTORIES: dict = {}
ROUTE_KWARGS: dict = {}
