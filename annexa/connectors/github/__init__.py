"""Reading a GitHub organization through the REST API (used by ``builtins.github``)."""
