"""Teams and their members: who holds which role (who may approve what)."""
