from django.contrib import admin

from sscportal.admin import ReadOnlyAdmin


class OutboundEmailAdmin(ReadOnlyAdmin):
    """The outbox, read-only. Registered by notifications/admin.py, which knows what each email
    is about and so which rows a person may see (conflicts of interest)."""

    list_display = ["created_at", "kind", "subject", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject"]
