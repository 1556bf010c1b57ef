"""The Slack front door: the Bolt app (``app.py``), one handler module per feature, the
``/aiops`` command table (``commands.py``), the services boundary (``services.py``) and jobs.

Kept import-free so ``handlers.blocks.ids`` can be used by the block builders cheaply.
"""
