"""The data-protection checklist as a list of items: the keys of its items and the
differences between two versions, in words.

An item is `{"key": str, "text": str, "mandatory": bool}`. A pledge answers by key, so
the data-protection officer never types a key: an item that stays keeps its key, a new
item gets one made from its text (`with_keys`). The services in `services/pledges.py`
are the only writers; this module only computes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rathausmobil.agreements.models import Agreement
from rathausmobil.agreements.selectors import OPEN_AGREEMENT
from rathausmobil.organisation.models import Employee

KEY_LENGTH = 40


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def new_key(text: str, taken: set[str]) -> str:
    """A key made from `text` ("netz-nur-uber-das-vpn"), not in `taken`."""
    base = slugify(text) or "punkt"
    if len(base) > KEY_LENGTH:
        base = base[:KEY_LENGTH].rsplit("-", 1)[0] or base[:KEY_LENGTH]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def with_keys(
    items: list[dict], *, keep: Iterable[str], previous: list[dict], taken: Iterable[str] = ()
) -> list[dict]:
    """`items` (text, mandatory and perhaps a key) with a key each, in their order.

    An item keeps its key if the key is one of `keep` (the keys of the version in force
    and of the draft) and no earlier item has it. An item without one takes the key of
    the item of `previous` with the same text, if that key is free (an item removed and
    typed again is the same item); otherwise it gets a new key from its text that is
    neither used nor in `taken` (keys of earlier versions, so an old key never comes
    back with another meaning)."""
    keep = set(keep)
    used: set[str] = set()
    keys: list[str | None] = []
    for item in items:
        key = str(item.get("key") or "").strip()
        if key in keep and key not in used:
            used.add(key)
            keys.append(key)
        else:
            keys.append(None)
    by_text = {}
    for item in previous:
        by_text.setdefault(_same_text(item["text"]), item["key"])
    for index, item in enumerate(items):
        if keys[index] is None:
            key = by_text.get(_same_text(item["text"]))
            if key is not None and key not in used:
                used.add(key)
                keys[index] = key
    blocked = used | set(taken)
    result = []
    for item, key in zip(items, keys, strict=True):
        if key is None:
            key = new_key(item["text"], blocked)
            blocked.add(key)
        result.append({"key": key, "text": item["text"], "mandatory": bool(item["mandatory"])})
    return result


# --------------------------------------------------------------------------- differences

ADDED, REMOVED, CHANGED, NOW_MANDATORY, NOW_RECOMMENDED, ORDER = (
    "added",
    "removed",
    "changed",
    "now_mandatory",
    "now_recommended",
    "order",
)


@dataclass(frozen=True)
class Difference:
    """One difference between two versions of the checklist."""

    kind: str
    text: str = ""  # the item's text in the newer version (the old one if removed)
    old_text: str = ""  # for CHANGED: the text before
    mandatory: bool = False  # for ADDED: a mandatory item?

    @property
    def label(self) -> str:
        if self.kind == ADDED:
            return _("Neuer Pflichtpunkt") if self.mandatory else _("Neue Empfehlung")
        return {
            REMOVED: _("Entfernt"),
            CHANGED: _("Text geändert"),
            NOW_MANDATORY: _("Jetzt Pflichtpunkt (bisher Empfehlung)"),
            NOW_RECOMMENDED: _("Jetzt Empfehlung (bisher Pflichtpunkt)"),
            ORDER: _("Reihenfolge geändert"),
        }[self.kind]

    @property
    def sentence(self) -> str:
        """The difference as one line of plain text (for the note "Was ist neu?")."""
        if self.kind == ORDER:
            return self.label + "."
        if self.kind == CHANGED:
            return _("%(label)s: „%(old)s“ heißt jetzt „%(new)s“.") % {
                "label": self.label,
                "old": self.old_text,
                "new": self.text,
            }
        return _("%(label)s: „%(text)s“.") % {"label": self.label, "text": self.text}


def differences(old: list[dict] | None, new: list[dict]) -> list[Difference]:
    """What `new` changes against `old`, in the order of `new`: added items, changed
    texts, items that became mandatory or recommended; then removed items, then whether
    the items that stayed changed their order."""
    old = old or []
    before = {item["key"]: item for item in old}
    after_keys = {item["key"] for item in new}
    found: list[Difference] = []
    for item in new:
        was = before.get(item["key"])
        if was is None:
            found.append(Difference(ADDED, item["text"], mandatory=bool(item["mandatory"])))
            continue
        if _same_text(was["text"]) != _same_text(item["text"]):
            found.append(Difference(CHANGED, item["text"], old_text=was["text"]))
        if bool(was.get("mandatory")) != bool(item["mandatory"]):
            found.append(
                Difference(NOW_MANDATORY if item["mandatory"] else NOW_RECOMMENDED, item["text"])
            )
    found += [Difference(REMOVED, item["text"]) for item in old if item["key"] not in after_keys]
    stayed_before = [item["key"] for item in old if item["key"] in after_keys]
    stayed_after = [item["key"] for item in new if item["key"] in before]
    if stayed_before != stayed_after:
        found.append(Difference(ORDER))
    return found


def summary(found: list[Difference]) -> str:
    """The differences as plain text, one per line."""
    return "\n".join(difference.sentence for difference in found)


def people_to_ask_again() -> int:
    """How many people a new version asks to pledge again: everyone active with an open
    agreement (`request_pledge_renewals` asks them on its next run)."""
    open_agreement = Agreement.objects.filter(employee=OuterRef("pk"), status__in=OPEN_AGREEMENT)
    return Employee.objects.filter(Exists(open_agreement), is_active=True).count()
