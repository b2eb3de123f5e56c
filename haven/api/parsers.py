"""JSON in, strictly: UTF-8, a size limit, no NaN or Infinity, no lone surrogates, no
nesting deep enough to exhaust the stack. Each is a 4xx problem, never a 500."""

from __future__ import annotations

import json
from typing import IO, Any

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_BODY_BYTES = 2 * 1024 * 1024  # three narratives of 20,000 characters, escaped, fit easily


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The request body is larger than {MAX_BODY_BYTES // 1024 // 1024} MB."
    default_code = "too_large"


def _strict_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONParser(JSONParser):
    media_type = "application/json"

    def parse(self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        charset = _charset(media_type or "")
        if charset not in ("", "utf-8", "utf8"):
            raise ParseError("Send JSON as UTF-8 (RFC 8259).")
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise RequestTooLarge()
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_strict_constant)
        except RecursionError as exc:
            raise ParseError("The JSON is nested too deeply.") from exc
        except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
            raise ParseError(f"The body is not valid JSON: {exc}") from exc
        try:
            # A lone surrogate escape ("\ud800") decodes to a str no database can store.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError("The JSON contains an escaped lone surrogate, which is not text.") from exc
        except RecursionError as exc:
            raise ParseError("The JSON is nested too deeply.") from exc
        return data


def _charset(media_type: str) -> str:
    for param in media_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""
