"""Plain values and the rules they obey: no I/O, no framework."""
