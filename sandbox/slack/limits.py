"""Block Kit limits the real Slack enforces; the local server rejects what Slack would reject."""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_ACTION_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_MESSAGE_TEXT = 40000
MAX_SOCKET_CONNECTIONS = 10  # per app; the next one is told "too_many_websockets"


def block_errors(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Human-readable problems with ``blocks`` (empty when Slack would accept them)."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        if not isinstance(block, dict) or not block.get("type"):
            errors.append(f"missing required field: type [json-pointer:{where}]")
            continue
        if len(str(block.get("block_id", ""))) > MAX_ID:
            errors.append(f"block_id too long [json-pointer:{where}/block_id]")
        kind = block["type"]
        text = block.get("text")
        if kind == "section":
            if isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_SECTION_TEXT:
                errors.append(f"must be less than {MAX_SECTION_TEXT + 1} characters [{where}/text]")
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS:
                errors.append(f"no more than {MAX_FIELDS} fields [json-pointer:{where}/fields]")
            for j, fld in enumerate(fields):
                if len(str(fld.get("text", ""))) > MAX_FIELD_TEXT:
                    errors.append(f"field too long [json-pointer:{where}/fields/{j}]")
            if text is None and not fields:
                errors.append(f"section needs text or fields [json-pointer:{where}]")
            accessory = block.get("accessory")
            if isinstance(accessory, dict):
                errors.extend(_element_errors(accessory, f"{where}/accessory"))
        elif kind == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                errors.append(f"header text must be plain_text [json-pointer:{where}/text]")
            elif len(str(text.get("text", ""))) > MAX_HEADER_TEXT:
                errors.append(f"must be less than {MAX_HEADER_TEXT + 1} characters [{where}/text]")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_ACTION_ELEMENTS:
                errors.append(f"actions need 1..{MAX_ACTION_ELEMENTS} elements [{where}/elements]")
            for j, element in enumerate(elements):
                errors.extend(_element_errors(element, f"{where}/elements/{j}"))
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                errors.append(
                    f"context needs 1..{MAX_CONTEXT_ELEMENTS} elements [{where}/elements]"
                )
    return errors


def _element_errors(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or not element.get("type"):
        return [f"missing required field: type [json-pointer:{where}]"]
    errors: list[str] = []
    if len(str(element.get("action_id", ""))) > MAX_ID:
        errors.append(f"action_id too long [json-pointer:{where}/action_id]")
    if element["type"] == "button":
        text = element.get("text") or {}
        if len(str(text.get("text", ""))) > MAX_BUTTON_TEXT:
            errors.append(f"button text too long [json-pointer:{where}/text]")
        if len(str(element.get("value", ""))) > MAX_BUTTON_VALUE:
            errors.append(f"button value too long [json-pointer:{where}/value]")
    return errors


def view_errors(view: Any, *, home: bool = False) -> list[str]:
    if not isinstance(view, dict):
        return ["view must be a JSON object"]
    errors: list[str] = []
    kind = view.get("type")
    if home and kind != "home":
        errors.append("view type must be home for views.publish")
    if not home and kind != "modal":
        errors.append("view type must be modal")
    if kind == "modal":
        title = view.get("title") or {}
        if not title.get("text"):
            errors.append("modal needs a title")
        elif len(str(title["text"])) > 24:
            errors.append("modal title must be 24 characters or fewer")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("private_metadata must be 3000 characters or fewer")
    errors.extend(block_errors(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS))
    return errors
