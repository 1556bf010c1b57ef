"""Incident response flows that span several domains, shared by Slack, the CLI and HTTP:
investigate-and-propose (``proposals``) and approve / reject / execute / settle
(``approvals``). They sit above ``bot.investigate``, ``bot.remediate`` and ``bot.incidents``,
which never import them, so no circle forms between those packages."""
