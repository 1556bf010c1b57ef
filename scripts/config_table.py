"""Print the README's configuration table from the Settings model (the one source of truth)."""

from __future__ import annotations

from bot.config import Settings

SECRET_SUFFIXES = ("token", "secret", "secrets", "key", "password")


def rows() -> list[str]:
    out = ["| variable | default | what |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        if name == "aiops_db":
            shown = "`~/.local/share/aiops/aiops.db`"
        elif name.endswith(SECRET_SUFFIXES) or default in (None, [], ""):
            shown = "—"
        else:
            shown = f"`{default}`"
        out.append(f"| `{name.upper()}` | {shown} | {field.description or ''} |")
    return out


if __name__ == "__main__":
    print("\n".join(rows()))
