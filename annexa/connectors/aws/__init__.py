"""Reading an AWS account for the ``aws`` connector (``connectors.builtins.aws``).

``session`` opens boto3 clients that see nothing of this server's AWS environment (no
``AWS_*`` variables, no ``~/.aws`` files, no proxy, no instance metadata); ``reader`` reads the
account's security settings section by section into the snapshot's ``data``. ``facts`` holds
the small readers the ``aws_*`` control tests share to interpret that shape.
"""
