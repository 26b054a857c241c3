"""Pure planners: same input, same plan, no Pulumi. Components turn plans into resources."""
