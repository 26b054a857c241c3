"""HybridVpc: one network over every vendor's sites, and the links between them."""
