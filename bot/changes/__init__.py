"""Change events (deploys, config, scaling…) and how they score against an incident."""
