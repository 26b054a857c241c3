"""The vocabulary every layer shares: errors, names, site models, validation helpers.

Nothing here imports Pulumi or a provider SDK, so planners, drivers, components, the policy
rules and the CLI can all depend on it (tests/test_layers.py holds the arrows).
"""
