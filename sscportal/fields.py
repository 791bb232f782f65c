"""Model fields for text a person types: a length limit enforced in the model, clean form fields.

Every free-text column in the portal uses one of these (tests/test_text_fields.py checks), so
every form built from a model, the admin's included, drops invisible characters and shows the
column's limit, and `full_clean` refuses text over it on every database.
"""

from django.core.validators import MaxLengthValidator
from django.db import models

from sscportal.formfields import CleanCharField


class PlainCharField(models.CharField):
    """A one-line text column (CharField) whose form field drops invisible characters."""

    def formfield(self, **kwargs):
        if not self.choices:
            kwargs.setdefault("form_class", CleanCharField)
        return super().formfield(**kwargs)


class PlainTextField(models.TextField):
    """A multi-line text column with a length limit that the model enforces, not only shows."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self._validators = [*self._validators, MaxLengthValidator(max_length)]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # The limit's validator comes from max_length; migrations need not repeat it.
        own = [v for v in self._validators if not isinstance(v, MaxLengthValidator)]
        if own:
            kwargs["validators"] = own
        else:
            kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", CleanCharField)
        return super().formfield(**kwargs)
