"""What the explainers app says about a person's account (see readers.privacy).

An explainer's byline names a newsroom account and is protected (`on_delete=PROTECT`): a
published piece must not lose its author silently. So an account with a byline is kept until
an editor moves the byline; the account's owner is told so instead of getting an error.
"""

from django.utils.translation import gettext as _

from .models import Explainer


def byline_keeper(user) -> str | None:
    """Why the account cannot be deleted by its owner, or None when nothing here keeps it."""
    if Explainer.objects.filter(byline=user).exists():
        return _(
            "Your name is on explainers in the newsroom; ask an editor to move the byline "
            "before deleting the account."
        )
    return None
