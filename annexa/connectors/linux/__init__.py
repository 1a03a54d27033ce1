"""Collection logic of the Linux host connector (``builtins/linux.py``).

``hosts`` reads a machine (this server, or one reached over SSH), ``parsers`` turns the text of
its files and commands into facts, and ``collect`` walks the sections and builds the snapshot
data. Nothing here judges: the ``linux_*`` control tests do.
"""
