"""Project-wide request handling that belongs to no one app."""

from django.conf import settings


class CrossOriginHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set (it sets Cross-Origin-Opener-Policy):

    - Cross-Origin-Resource-Policy: other sites may not embed our pages, images or feeds'
      files in theirs (`same-origin`, or KAISETSU_CROSS_ORIGIN_RESOURCE_POLICY);
    - Permissions-Policy: the browser features the site never uses are off for it and for
      anything it embeds (KAISETSU_PERMISSIONS_POLICY).

    A view that sets either header itself keeps its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        resource_policy = settings.KAISETSU_CROSS_ORIGIN_RESOURCE_POLICY
        if resource_policy:
            response.headers.setdefault("Cross-Origin-Resource-Policy", resource_policy)
        permissions_policy = permissions_policy_header(settings.KAISETSU_PERMISSIONS_POLICY)
        if permissions_policy:
            response.headers.setdefault("Permissions-Policy", permissions_policy)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())
