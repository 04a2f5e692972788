"""The ``dialin`` command."""
