"""The command line: reports, imports, errors as one line, and databases that are not ours."""
