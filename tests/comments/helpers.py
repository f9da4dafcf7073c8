"""Shared helpers for the comments tests: form tokens as the form page hands them out."""

import time

from django.core import signing

from comments import forms

TEXT = "A calm and reasonable remark about the explainer."


def token(explainer, *, age_seconds=0):
    """The signed "form issued" token, as if handed out `age_seconds` ago."""

    class _Signer(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age_seconds)

    return _Signer(salt=forms._SIGNER_SALT).sign(str(explainer.pk))


def guest_data(explainer, **overrides):
    data = {
        "name": "Hana",
        "email": "hana@example.net",
        "body": TEXT,
        "website": "",
        "issued": token(explainer, age_seconds=60),
    }
    data.update(overrides)
    return data
