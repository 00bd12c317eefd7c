"""The refusals of the shop's writes, and how a model's validation errors become one."""

from django.core.exceptions import ValidationError


class ShopError(Exception):
    """A refusal a person can act on ("Only 2 units of ... are left."): show str(error).
    `code` and `params` say which refusal it is, for a caller that words it in the
    customer's language (the chat): "sold_out", "not_sold", "no_shipping", "no_cod",
    "cod_max", "selling_fast"; "" for the others."""

    def __init__(self, message: str, code: str = "", **params):
        super().__init__(message)
        self.code, self.params = code, params


class CsvImportError(ShopError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"Nothing was imported: {len(errors)} line{'s' if len(errors) != 1 else ''} "
                         f"need fixing. " + " ".join(errors[:20]))


def validation_messages(error: ValidationError) -> list[str]:
    """full_clean()'s complaints as sentences, each prefixed with its field."""
    if hasattr(error, "message_dict"):
        return [f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items() for message in messages]
    return error.messages
