"""The weekly capacity digest: render (markdown + PNG charts), claim the week's run once across
replicas, post through a port, and the Monday 09:00 schedule with a single catch-up."""
