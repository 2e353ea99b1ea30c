"""URL converters shared by every route.

`<int:...>` is bounded app-wide: Werkzeug's own converter takes any run of
digits (Unicode ones included), so a 25-digit id reached the database driver
and came back as an OverflowError (a 500 on SQLite; on PostgreSQL anything
past 2**31-1 is "integer out of range"). Registered under the name `int`, this
one matches ASCII digits no longer than MAX_ID and at most MAX_ID; anything
else is no route, a 404, before a view runs.
"""

import builtins

from werkzeug.routing import IntegerConverter

from .models import MAX_ID

DIGITS = len(str(MAX_ID))


class BoundedIntConverter(IntegerConverter):
    regex = rf"[0-9]{{1,{DIGITS}}}"
    signed_regex = rf"-?[0-9]{{1,{DIGITS}}}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        max = MAX_ID if max is None else builtins.min(max, MAX_ID)
        if signed and min is None:
            min = -MAX_ID - 1
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app):
    """Before any blueprint: a rule binds its converter when it is added."""
    app.url_map.converters["int"] = BoundedIntConverter
