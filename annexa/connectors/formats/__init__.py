"""Parsers of tool output formats: streaming, defensive, with errors that say where."""


class FormatError(ValueError):
    """The content is not what its format says; the message says where and why."""


def too_deep(what: str) -> FormatError:
    """The refusal of JSON nested deeper than the parser's recursion allows (about a thousand
    levels; tools write a few dozen): Python's decoder stops with ``RecursionError`` there."""
    return FormatError(
        f"{what} is nested too deeply to read (hundreds of levels of arrays or objects); "
        "no tool writes that, so the file is damaged or hostile"
    )
