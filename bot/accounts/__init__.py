"""Several AWS accounts: ``accounts.yaml`` (or AWS Organizations) and the audits across them."""
