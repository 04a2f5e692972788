"""Use cases, one transaction each. They speak domain values; stores come in through ports."""
