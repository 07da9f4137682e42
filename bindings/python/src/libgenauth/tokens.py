"""The tokens of a successful exchange or refresh."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

__all__ = ["Tokens"]

_SECRET_FIELDS = ("access_token", "refresh_token", "id_token")


@dataclass(frozen=True, repr=False)
class Tokens:
    """The ``tokens`` object of a result document.

    Fields the provider did not send are ``None``; ``raw`` holds the whole object, every field
    the provider sent included (unknown ones too). ``expires_at`` is the library's receipt time
    plus ``expires_in`` (Unix seconds). ``id_token_claims`` is the verified id_token payload when
    the library verified one.

    ``repr()`` masks the tokens themselves, so logging a ``Tokens`` does not leak them.
    """

    access_token: str
    token_type: Optional[str] = None
    expires_in: Optional[int] = None
    expires_at: Optional[int] = None
    refresh_token: Optional[str] = None
    id_token: Optional[str] = None
    scope: Optional[str] = None
    id_token_claims: Optional[Dict[str, Any]] = field(default=None, hash=False)
    raw: Dict[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def from_dict(cls, tokens: Mapping[str, Any]) -> "Tokens":
        """Builds ``Tokens`` from a ``tokens`` object (kept whole, as a copy, in ``raw``)."""
        return cls._from_owned(copy.deepcopy(dict(tokens)))

    @classmethod
    def _from_owned(cls, raw: Dict[str, Any]) -> "Tokens":
        """Builds ``Tokens`` around a dict nobody else holds (one just parsed from a result
        document), without copying it: a deep copy cost more than the rest of a call's Python
        work."""
        claims = raw.get("id_token_claims")
        return cls(
            access_token=str(raw.get("access_token", "")),
            token_type=_str(raw.get("token_type")),
            expires_in=_int(raw.get("expires_in")),
            expires_at=_int(raw.get("expires_at")),
            refresh_token=_str(raw.get("refresh_token")),
            id_token=_str(raw.get("id_token")),
            scope=_str(raw.get("scope")),
            id_token_claims=_json_copy(claims) if isinstance(claims, dict) else None,
            raw=raw,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The whole ``tokens`` object (a copy of ``raw``), e.g. to persist it as JSON."""
        return copy.deepcopy(self.raw)

    def __repr__(self) -> str:
        parts = []
        for name in ("access_token", "token_type", "expires_in", "expires_at", "refresh_token",
                     "id_token", "scope"):
            value = getattr(self, name)
            if value is None:
                continue
            parts.append(f"{name}='***'" if name in _SECRET_FIELDS else f"{name}={value!r}")
        if self.id_token_claims is not None:
            parts.append(f"id_token_claims=<{len(self.id_token_claims)} claims>")
        return f"Tokens({', '.join(parts)})"


def _json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists, immutable scalars): a quarter of what
    ``copy.deepcopy`` costs, which matters on every verified refresh."""
    if type(value) is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_json_copy(v) for v in value]
    return value


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
