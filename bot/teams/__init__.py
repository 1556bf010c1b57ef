"""Teams: who owns which service and where its incidents go (``config``, ``routing``), who is
in which team with which role (``directory``, ``members``), and the one scope and gate every
door's reads and writes pass (``scope``, ``access``). See docs/teams.md."""
