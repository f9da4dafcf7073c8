"""Project-wide request handling that belongs to no one app."""

import logging

from django.db import DataError
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


class UnstorableInputMiddleware:
    """A value from the request that the database cannot take is a bad request (400).

    Two classics get past Django's checks on some paths (the admin's list filters, relation
    lookups, `__in` lists) and reach the database as they are: a number beyond 64 bits, which
    SQLite refuses with OverflowError (`?explainer=<30 digits>`), and a NUL character, which
    PostgreSQL refuses with DataError (`?status__exact=%00`). Forms and views that can say more
    keep doing so; whatever slips through gets the 400 page instead of a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OverflowError | DataError):
            return None
        logger.warning(
            "Refused %s %s: the database cannot take a value from it",
            request.method,
            request.path,
            exc_info=exception,
        )
        return bad_request(request, exception)
