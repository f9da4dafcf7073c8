"""The site's error views: Django's own, without the CSRF check they are wrapped in.

Django decorates its 400, 403, 404 and 500 views with `requires_csrf_token`, which runs the
CSRF check again for a POST, and the check reads `request.POST`. When the body was what failed
(a form posted as `application/x-www-form-urlencoded; charset=utf-16`, which Django refuses
with BadRequest; too many fields) the error view raised the same error again: the 400 became
a 500, and the 500 view failed the same way, leaving the server's bare error. None of our
error pages holds a form that posts, so they need no CSRF token; the check is left out.
"""

from django.views import defaults

# `__wrapped__` (set by functools.wraps) is the view inside `requires_csrf_token`, its only
# decorator; tests/test_robustness.py posts undecodable bodies to make sure.
bad_request = defaults.bad_request.__wrapped__
permission_denied = defaults.permission_denied.__wrapped__
page_not_found = defaults.page_not_found.__wrapped__
server_error = defaults.server_error.__wrapped__
