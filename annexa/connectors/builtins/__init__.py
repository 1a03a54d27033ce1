"""Built-in connectors; every module here registers its class with ``@registry.register``."""
