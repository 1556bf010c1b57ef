"""Commands that start the sandbox world need the ``[sandbox]`` extra (moto and the local
servers' dependencies), which a production install leaves out. Without it they say so in one
line, before doing anything, instead of failing half-way with a traceback."""

from __future__ import annotations

import importlib.util

from bot.errors import UserError

#: what the world imports that the bot itself does not (moto[server] brings flask)
SANDBOX_MODULES = ("moto", "flask", "websockets")
INSTALL_HINT = "install the sandbox extra: pip install 'aiops[sandbox]'"


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent that fails to import, or a broken entry
        return True


def require_sandbox(command: str) -> None:
    """Raise a ``UserError`` naming the extra when a module of the sandbox world is missing."""
    missing = [m for m in SANDBOX_MODULES if _missing(m)]
    if missing:
        raise UserError(
            f"`aiops {command}` runs the sandbox world, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed",
            hint=INSTALL_HINT,
        )
