"""The schedule grid's table, written in Python.

A day for 50 practitioners is about 2,000 cells; Django's template engine took ~160 ms to walk them, this
takes a few. The markup is the same one the template produced (and the tests and styles expect); every
value that comes from data goes through ``escape``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clinicdesk.scheduling.grid import Cell, Column, Grid

register = template.Library()


def _appointment(a: Any, appointment_url: str) -> str:
    code = a.appointment_type.code or a.appointment_type.name
    return (f'<a id="a{a.pk}" class="appt appt-{a.status_class}" href="{appointment_url.replace("0", str(a.pk), 1)}">'
            f'<span class="appt-time">{a.local_start:%H:%M}</span> '
            f"<strong>{escape(a.patient.family_name)}, {escape(a.patient.given_name)}</strong> "
            f'<span class="appt-code">{escape(code)}</span> '
            f'<span class="badge badge-{a.status_class}">{escape(a.get_status_display())}</span></a>')


def _cell(col: Column, cell: Cell, t: Any, urls: dict[str, str], location_id: int) -> str:
    if cell.kind == "appt":
        inner = "".join(_appointment(a, urls["appointment"]) for a in cell.appointments)
        return f'<td rowspan="{cell.rowspan}" class="slot-appt">{inner}</td>'
    if cell.kind == "open":
        after = quote(cell.start.isoformat(), safe="")
        label = escape(f"{col.label} {col.day:%a} {col.day.day} {col.day:%b} {t:%H:%M}")
        return (f'<td class="slot-open"><a id="o{col.key}-{t:%H%M}" href="{urls["book"]}?practitioner='
                f'{col.practitioner_id}&amp;location={location_id}&amp;after={after}">book'
                f'<span class="visually-hidden"> {label}</span></a></td>')
    if cell.kind == "free":
        return '<td class="slot-free"><span class="visually-hidden">free</span></td>'
    return '<td class="slot-closed"></td>'


def _header(col: Column, mode: str, location_id: int, urls: dict[str, str]) -> str:
    label = str(escape(col.label))
    if col.practitioner_id and mode != "week":
        link = (f'{urls["week"]}?practitioner={col.practitioner_id}&amp;date={col.day:%Y-%m-%d}'
                f"&amp;location={location_id}")
        label = f'<a href="{link}">{label}</a>'
    return f'<th scope="col" title="{escape(col.label)}">{label}</th>'


@register.simple_tag
def schedule_table(board: Grid, mode: str, location: Any, day: Any) -> SafeString:
    urls = {"book": reverse("schedule:book"), "week": reverse("schedule:week"),
            "appointment": reverse("schedule:appointment", args=[0])}
    many = " sched-many" if len(board.columns) > 9 else ""
    out = [f'<table class="sched{many}">',
           f'<caption class="visually-hidden">Appointments and open times, {day:%A} {day.day} {day:%B %Y}</caption>',
           '<thead><tr><th scope="col" class="sched-time">Time</th>',
           *(_header(col, mode, location.pk, urls) for col in board.columns), "</tr></thead><tbody>"]
    for t, cells in board.rows:
        hour = ' class="hour"' if t.minute == 0 else ""
        out.append(f'<tr{hour}><th scope="row" class="sched-time">{t:%H:%M}</th>')
        out.extend(_cell(col, cell, t, urls, location.pk) for col, cell in cells)
        out.append("</tr>")
    out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308 (every data value above is escaped)
