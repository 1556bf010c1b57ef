"""The inventory: list resources of one type with filters, from a command or a question."""
