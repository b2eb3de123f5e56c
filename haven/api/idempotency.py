"""``Idempotency-Key`` on the API's POSTs that create something: a retry records nothing twice.

An integration that sends a concern and loses the answer (a timeout, a restart, a crash of
the server after the commit) cannot tell whether the concern was recorded. Sent with the
same ``Idempotency-Key``, its retry is answered with the first answer (status and body,
with ``Idempotent-Replayed: true``) instead of recording the concern again.

How it holds under failure:

- The key's row and the created record commit in one transaction: a crash keeps both or
  neither, so a retry after a crash either replays or creates, once.
- The row is inserted before the work, under a unique (user, key) constraint: a second
  request with the same key waits for the first's transaction (PostgreSQL's unique index;
  SQLite's one writer, ``BEGIN IMMEDIATE``), then finds its row and replays it.
- Only a success is kept: a refusal (400, 403, 404 ...) rolls the row back with the rest,
  so the client can correct the request and send it again under the same key.
- The same key with another body (or on another endpoint) is a client bug: 422, nothing is
  created. Keys are per user and last 24 hours (``manage.py purge_idempotency_keys``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from haven.core import clock
from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

from .errors import log_problem
from .models import IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_LIFETIME, IdempotencyKey
from .serializers import ProblemSerializer

if TYPE_CHECKING:
    from rest_framework.views import APIView

    from .request import AuthenticatedRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TYPE_PREFIX = "urn:haven:problem:"
# Visible ASCII, no space at either end (an HTTP header loses those anyway).
_KEY = re.compile(r"^[!-~](?:[ -~]*[!-~])?$")

PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH, "pattern": _KEY.pattern},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key you choose for this request (a UUID is a good one), at most 255 visible ASCII characters. Send "
        "the same key when you retry: if the first request was recorded, you are given its answer again (with "
        f"`{REPLAYED_HEADER}: true`) and nothing is recorded twice. The same key with another body answers 422. "
        "Keys are yours alone and are kept for 24 hours."
    ),
)


def responses() -> dict[Any, OpenApiResponse]:
    """The problem answers the key adds to an operation, for ``extend_schema(responses=...)``."""
    return {
        (422, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer,
            description=f"This `{HEADER}` was used in the last 24 hours for a different request: "
            "use a new key for a new request.",
        ),
    }


REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[201],
    description=f"`true` when this is the stored answer to an earlier request with the same `{HEADER}`: "
    "nothing new was recorded.",
)
PARAMETERS = [PARAMETER, REPLAYED]


class KeyInvalid(APIException):
    status_code = 400
    default_code = "idempotency_key_invalid"


class KeyReused(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"


def _problem(exc: APIException, request: AuthenticatedRequest, title: str) -> Response:
    """The refusal as a problem, and a security event in the log (a reused key may be a
    client's bug or someone replaying another's request)."""
    instance = request.path
    body = problem(
        exc.status_code,
        type_=f"{TYPE_PREFIX}{exc.default_code}",
        title=title,
        detail=str(exc.detail),
        errors={HEADER: [str(exc.detail)]},
        instance=instance,
    )
    log_problem(request, body)
    return Response(body, status=exc.status_code, content_type=PROBLEM_CONTENT_TYPE)


def key_from(request: AuthenticatedRequest) -> str | None:
    """The request's key, or None when it sent none; a key that cannot be one is refused."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not raw.strip():
        raise KeyInvalid(f"The {HEADER} header is empty: send a key (a UUID, for example), or no header at all.")
    if len(raw) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise KeyInvalid(f"The {HEADER} header is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters.")
    if not _KEY.match(raw):
        raise KeyInvalid(f"The {HEADER} header may hold only visible ASCII characters (a UUID, for example).")
    return raw


def body_hash(data: Any) -> str:
    """The same JSON gives the same hash, however its keys were ordered or spaced."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if row.location:
        headers["Location"] = row.location
    return Response(json.loads(row.response_body or "null"), status=row.status, headers=headers)


Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    """Give an API view's POST that creates something the ``Idempotency-Key`` behaviour."""

    @functools.wraps(handler)
    def wrapper(view: APIView, request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> Response:
        try:
            key = key_from(request)
        except KeyInvalid as invalid:
            return _problem(invalid, request, f"The {HEADER} header is not valid")
        if key is None:
            return handler(view, request, *args, **kwargs)
        fingerprint = body_hash(request.data)  # parses the body: bad JSON is refused here, as without a key
        with transaction.atomic():
            IdempotencyKey.objects.filter(
                user=request.user, key=key, created_at__lte=clock.now() - IDEMPOTENCY_LIFETIME
            ).delete()
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method or "POST",
                        path=request.path[:500],
                        body_hash=fingerprint,
                        status=0,
                    )
            except IntegrityError:
                row = None
            if row is None:  # a first request with this key committed: answer as it was answered
                first = IdempotencyKey.objects.get(user=request.user, key=key)
                if (first.method, first.path, first.body_hash) != (request.method, request.path[:500], fingerprint):
                    reused = KeyReused(
                        f"This {HEADER} was used in the last 24 hours for a different request (another body or "
                        "another endpoint). Nothing was recorded: use a new key for a new request."
                    )
                    return _problem(reused, request, f"The {HEADER} was used for another request")
                return _replay(first)
            response = handler(view, request, *args, **kwargs)  # a refusal raises, and rolls the row back
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            row.status = response.status_code
            row.response_body = JSONRenderer().render(response.data).decode()  # as it is sent
            row.location = response.get("Location", "")[:500]
            row.save(update_fields=["status", "response_body", "location"])
            return response

    return wrapper
