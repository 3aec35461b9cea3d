"""The shapes of CodinCod's account preferences (codincod-contract.md §3.3, §6 Preferences).

A body is read as :class:`PreferencesBody` (PUT and PATCH alike): every field optional, each
checked as CodinCod's zod schema does — ``theme`` dark or light, ``editor.keymap`` vim, emacs
or vscode, the editor's flags JSON booleans (``"true"`` and ``1`` are refused), blocked users
24-hex ids. ``null`` is refused like any other wrong type. Unknown keys (``_id``, ``owner``,
the dates of a record sent back as read, anything else) are dropped. The service tells
which fields were sent from ``model_fields_set``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from appliance.arena.wire import IsoDate, Wire, is_id

Keymap = Literal["vim", "emacs", "vscode"]
Theme = Literal["dark", "light"]

DEFAULT_KEYMAP: Keymap = "vscode"
EDITOR_FLAGS = (
    "lineNumbers",
    "highlightActiveLineGutter",
    "highlightSpecialChars",
    "history",
    "foldGutter",
    "drawSelection",
    "dropCursor",
    "allowMultipleSelections",
    "indentOnInput",
    "bracketMatching",
    "closeBrackets",
    "autocompletion",
    "rectangularSelection",
    "crosshairCursor",
    "highlightActiveLine",
    "highlightSelectionMatches",
    "defaultKeymap",
    "searchKeymap",
    "foldKeymap",
    "completionKeymap",
    "lintKeymap",
    "syntaxHighlighting",
)
"""The editor's CodeMirror switches, each true unless the user turned it off. CodinCod's
Mongo schema drops ``syntaxHighlighting``; it is kept here (a user who turns it off gets it
back off)."""
MAX_BLOCKED = 1000
"""Most blocked users one account keeps."""
MAX_LANGUAGE = 64
BODY_LIMIT = 64 * 1024
"""A preferences body: a thousand blocked ids and the editor fit many times over."""


def default_editor() -> dict[str, Any]:
    """The editor settings nobody changed: vscode keys, every switch on."""
    return {"keymap": DEFAULT_KEYMAP, **dict.fromkeys(EDITOR_FLAGS, True)}


def complete_editor(stored: Any) -> dict[str, Any]:
    """``stored`` over the defaults, known keys of the right type only (a record written by
    an older version, or by hand, still reads as a whole editor)."""
    editor = default_editor()
    if isinstance(stored, dict):
        if stored.get("keymap") in ("vim", "emacs", "vscode"):
            editor["keymap"] = stored["keymap"]
        for flag in EDITOR_FLAGS:
            if isinstance(stored.get(flag), bool):
                editor[flag] = stored[flag]
    return editor


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null; leave the field out instead")
    return value


class EditorBody(BaseModel):
    """``editor``: the keymap and CodeMirror's switches, any of them. A PUT fills the ones
    left out with their defaults; a PATCH changes only the ones sent."""

    model_config = ConfigDict(extra="ignore")

    keymap: Keymap | None = None
    lineNumbers: StrictBool | None = None
    highlightActiveLineGutter: StrictBool | None = None
    highlightSpecialChars: StrictBool | None = None
    history: StrictBool | None = None
    foldGutter: StrictBool | None = None
    drawSelection: StrictBool | None = None
    dropCursor: StrictBool | None = None
    allowMultipleSelections: StrictBool | None = None
    indentOnInput: StrictBool | None = None
    bracketMatching: StrictBool | None = None
    closeBrackets: StrictBool | None = None
    autocompletion: StrictBool | None = None
    rectangularSelection: StrictBool | None = None
    crosshairCursor: StrictBool | None = None
    highlightActiveLine: StrictBool | None = None
    highlightSelectionMatches: StrictBool | None = None
    defaultKeymap: StrictBool | None = None
    searchKeymap: StrictBool | None = None
    foldKeymap: StrictBool | None = None
    completionKeymap: StrictBool | None = None
    lintKeymap: StrictBool | None = None
    syntaxHighlighting: StrictBool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _null(cls, value: Any) -> Any:
        return _not_null(value)

    def sent(self) -> dict[str, Any]:
        """The settings the body names."""
        return self.model_dump(include=self.model_fields_set)


class PreferencesBody(BaseModel):
    """``PUT`` / ``PATCH /account/preferences``: any of CodinCod's preferences DTO.

    ``blockedUsers``: up to :data:`MAX_BLOCKED` 24-hex ids (upper case is read as lower),
    duplicates kept once, in the order first sent; never the caller's own id (validated with
    ``context={"owner": account_id}``). Whether the ids name accounts is not checked: an
    account deleted later would otherwise make the caller's own list, read and sent back,
    invalid.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    preferred_language: str | None = Field(None, alias="preferredLanguage", max_length=MAX_LANGUAGE)
    theme: Theme | None = None
    blocked_users: list[str] | None = Field(None, alias="blockedUsers", max_length=MAX_BLOCKED)
    editor: EditorBody | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _null(cls, value: Any) -> Any:
        return _not_null(value)

    @field_validator("blocked_users", mode="after")
    @classmethod
    def _ids(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        owner = (info.context or {}).get("owner")
        ids: dict[str, None] = {}
        for position, item in enumerate(value):
            user_id = item.lower()
            if not is_id(user_id):
                raise ValueError(f"item {position} is not a user id (24 hex characters)")
            if user_id == owner:
                raise ValueError("you cannot block yourself")
            ids[user_id] = None
        return list(ids)

    def sent(self) -> set[str]:
        """The fields the body names, by attribute name."""
        return set(self.model_fields_set)


@dataclass(frozen=True)
class Preferences:
    """One account's stored preferences."""

    id: str
    account_id: str
    preferred_language: str | None
    theme: str | None
    blocked_users: tuple[str, ...]
    editor: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class EditorDto(Wire):
    """The editor's settings, every one of them."""

    keymap: Keymap = DEFAULT_KEYMAP
    lineNumbers: bool = True
    highlightActiveLineGutter: bool = True
    highlightSpecialChars: bool = True
    history: bool = True
    foldGutter: bool = True
    drawSelection: bool = True
    dropCursor: bool = True
    allowMultipleSelections: bool = True
    indentOnInput: bool = True
    bracketMatching: bool = True
    closeBrackets: bool = True
    autocompletion: bool = True
    rectangularSelection: bool = True
    crosshairCursor: bool = True
    highlightActiveLine: bool = True
    highlightSelectionMatches: bool = True
    defaultKeymap: bool = True
    searchKeymap: bool = True
    foldKeymap: bool = True
    completionKeymap: bool = True
    lintKeymap: bool = True
    syntaxHighlighting: bool = True


class PreferencesDto(Wire):
    """The stored document: ``{_id, owner, preferredLanguage?, theme?, blockedUsers, editor,
    createdAt, updatedAt}`` (the two optional ones absent when unset, as in Mongo)."""

    id_: str = Field(alias="_id")
    owner: str
    preferred_language: str | None = Field(None, alias="preferredLanguage")
    theme: Theme | None = None
    blocked_users: list[str] = Field(alias="blockedUsers")
    editor: EditorDto
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")

    @classmethod
    def of(cls, preferences: Preferences) -> PreferencesDto:
        return cls.model_validate(
            {
                "_id": preferences.id,
                "owner": preferences.account_id,
                "preferredLanguage": preferences.preferred_language,
                "theme": preferences.theme,
                "blockedUsers": list(preferences.blocked_users),
                "editor": complete_editor(preferences.editor),
                "createdAt": preferences.created_at,
                "updatedAt": preferences.updated_at,
            }
        )

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
