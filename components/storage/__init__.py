"""MultiCloudBucket: an object store copied across vendors."""
