"""AWS read side: small typed functions over an injected boto3 client (no bot/ imports)."""
