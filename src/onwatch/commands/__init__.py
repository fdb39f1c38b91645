"""Application commands: each runs one domain decision in one transaction.

The API, the CLI and (later) chat and the engine all call these, so a rule is enforced the
same way whichever interface a person uses.
"""
