"""MultiCloudApp: one service on several vendors behind health-checked DNS."""
