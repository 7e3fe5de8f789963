"""Request bodies as JSON, or form-encoded as htmx sends them by default (flat fields only)."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from ninja.parser import Parser

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class JsonOrFormParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type in FORM_TYPES:
            # request.POST is only parsed for POST; PUT and PATCH forms are read the same way.
            data = request.POST if request.method == "POST" else _form(request)
            # An empty form field means "not given" (htmx sends every input, filled or not).
            return {
                key: values if len(values) > 1 else values[0]
                for key, values in data.lists()
                if key != "csrfmiddlewaretoken" and values != [""]
            }
        return cast(dict[str, Any], json.loads(request.body))


def _form(request: HttpRequest) -> Any:
    from django.http import QueryDict

    if request.content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding)
    post, _files = request.parse_file_upload(request.META, request)
    return post
