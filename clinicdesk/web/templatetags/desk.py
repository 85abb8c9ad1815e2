from __future__ import annotations

from django import template

from clinicdesk.lib.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+12175550142 -> (217) 555-0142"""
    return format_phone(value or "")
