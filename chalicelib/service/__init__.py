"""Use cases: parse nothing, decide nothing; load, ask the domain, commit in one transaction."""
