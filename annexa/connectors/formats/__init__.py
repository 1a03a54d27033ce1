"""Parsers of tool output formats: streaming, defensive, with errors that say where."""


class FormatError(ValueError):
    """The content is not what its format says; the message says where and why."""
