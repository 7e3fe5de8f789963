"""Every error of the API as {"error": {"code", "message", "details"}}: never an HTML page.

Bad input (a body or query that does not fit the schema, or a service's ValidationError) is a 400
with code "validation_error" and, in details, one entry per problem: {"field", "location", "message"}.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from peerpact.lib.apikit import ApiError

logger = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
    500: "server_error",
}
CONTENT_TYPE = "application/json; charset=utf-8"


def error_response(status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    body = {"error": {"code": code, "message": str(message), "details": details}}
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=CONTENT_TYPE)


def default_message(status: int) -> str:
    return {
        400: _("The request could not be read."),
        401: _("Authentication required: send a token (Authorization: Bearer …) or sign in."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        429: _("Too many requests. Wait a little and try again."),
    }.get(status, _("Something went wrong."))


def _field_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    problems = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "wins") → location "body", field "wins": the schema's parameter name is noise.
        field = location[2:] if len(location) > 2 and location[0] == "body" else location[1:]
        problems.append(
            {
                "location": location[0] if location else "",
                "field": ".".join(field),
                "message": str(error.get("msg", "")),
            }
        )
    return problems


def _service_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"location": "body", "field": "" if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"location": "body", "field": "", "message": message} for message in exc.messages]


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (which answer {"detail": …}, 422, or a traceback)."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(400, "validation_error", _("Some values are not valid."), _field_errors(exc))

    @api.exception_handler(DjangoValidationError)
    def invalid_for_service(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        message = " ".join(exc.messages) or _("Some values are not valid.")
        return error_response(400, "validation_error", message, _service_errors(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja's own messages ("Unauthorized", "Cannot parse request body", …) become ours.
        status = exc.status_code
        message = exc.message if status == 401 and exc.message != "Unauthorized" else default_message(status)
        return error_response(status, CODES.get(status, "error"), message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", default_message(404))  # never says what was looked for

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or default_message(403))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", default_message(500))
