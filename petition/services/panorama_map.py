"""The panorama's map, drawn on the server as SVG from Lambert-93 coordinates.

Lambert-93 is already a plane projection in metres: a linear scale maps it to
the drawing (the y axis flipped, SVG grows downwards), with no tiles, scripts
or fonts. One point per establishment with coordinates, coloured by category,
each a link to its panorama entry; commune names at the centre of their
points; a scale bar in km; a legend. Those without coordinates are listed by
the page, never dropped silently.
"""

from dataclasses import dataclass
from html import escape

WIDTH = 640
PAD = 40  # room for labels at the edges
LEGEND_LINE = 18
RADIUS = 5
MIN_HEIGHT = 240

#: category -> colour; all at least 3:1 against white (WCAG 1.4.11).
COLOURS = {
    "entrepreneur": "#1f5fa8",
    "company": "#b4381f",
    "association": "#2d7a2d",
    "incubator": "#7a3d99",
    "public": "#8a6100",
    "investor": "#006b72",
    "researcher": "#a3305f",
    "engineer": "#4a5a1a",
    "designer": "#6d4c41",
    "developer": "#3f51b5",
    "student": "#c2185b",
    "media": "#5d4037",
    "citizen": "#555555",
}
DEFAULT_COLOUR = "#333333"
NICE_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)


@dataclass(frozen=True)
class Frame:
    """The linear map from Lambert-93 metres to SVG units."""

    min_x: float
    max_y: float
    scale: float  # SVG units per metre
    width: int
    height: int

    def point(self, x, y):
        return (
            round(PAD + (x - self.min_x) * self.scale, 1),
            round(PAD + (self.max_y - y) * self.scale, 1),
        )


def frame_of(placed) -> Frame:
    """The widest side fills the width; a narrow territory is centred, and the
    drawing is never flatter than MIN_HEIGHT (one commune, one street)."""
    xs = [e.x for e in placed]
    ys = [e.y for e in placed]
    dx, dy = max(xs) - min(xs), max(ys) - min(ys)
    span = max(dx, dy, 1000.0)  # at least 1 km across
    scale = (WIDTH - 2 * PAD) / span
    inner = max(dy * scale, MIN_HEIGHT)
    min_x = min(xs) - (span - dx) / 2
    max_y = max(ys) + (inner / scale - dy) / 2
    return Frame(min_x, max_y, scale, WIDTH, int(round(inner)) + 2 * PAD)


def placed_and_not(found):
    placed = [e for e in found if e.x is not None and e.y is not None]
    missing = [e for e in found if e.x is None or e.y is None]
    return placed, missing


def render(found, href, labels, title) -> str:
    """The SVG document. `href(entry)` links a point; `labels` maps category to
    its translated label (legend, point titles); `title` names the map."""
    placed, _missing = placed_and_not(found)
    categories = sorted({e.category for e in placed})
    legend_height = LEGEND_LINE * len(categories) + (10 if categories else 0)
    if not placed:
        return _document(WIDTH, 80 + legend_height, title, [_empty(labels)])
    frame = frame_of(placed)
    parts = []
    for category in categories:  # the group carries the colour; each point only its place
        colour = COLOURS.get(category, DEFAULT_COLOUR)
        parts.append(f'<g class="points" fill="{colour}" stroke="#ffffff" stroke-width="1">')
        parts += [_point(frame, e, href, labels) for e in placed if e.category == category]
        parts.append("</g>")
    parts += _commune_names(frame, placed)
    parts.append(_scale_bar(frame))
    parts.append(_legend(categories, labels, frame.height))
    return _document(WIDTH, frame.height + legend_height, title, parts)


def _document(width, height, title, parts):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-labelledby="map-title" '
        'class="panorama-map">'
        f'<title id="map-title">{escape(title)}</title>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def _empty(labels):
    return f'<text x="{PAD}" y="40" font-size="14" fill="#333">{escape(labels["_empty"])}</text>'


def _point(frame, entry, href, labels):
    """About 150 bytes a point: 10,000 organisations make a 1.5 MB drawing
    (served compressed, views/panorama_cache.py)."""
    cx, cy = frame.point(entry.x, entry.y)
    name = f"{entry.name} ({labels.get(entry.category, entry.category)}, {entry.commune_name})"
    return (
        f'<a href="{escape(href(entry))}"><title>{escape(name)}</title>'
        f'<circle cx="{cx}" cy="{cy}" r="{RADIUS}"/></a>'
    )


def _commune_names(frame, placed):
    groups: dict[str, list] = {}
    for entry in placed:
        groups.setdefault(entry.commune_name or "?", []).append(entry)
    parts = []
    for name, members in sorted(groups.items()):
        cx = sum(e.x for e in members) / len(members)
        cy = sum(e.y for e in members) / len(members)
        sx, sy = frame.point(cx, cy)
        parts.append(
            f'<text x="{sx}" y="{round(sy - 9, 2)}" text-anchor="middle" font-size="12" '
            'fill="#1a1a1a" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
            f'class="commune">{escape(name)}</text>'
        )
    return parts


def _scale_bar(frame):
    target_m = (frame.width - 2 * PAD) / 4 / frame.scale
    km = max((k for k in NICE_KM if k * 1000 <= target_m), default=NICE_KM[0])
    length = round(km * 1000 * frame.scale, 2)
    x, y = PAD, frame.height - 12
    label = f"{km:g} km"
    return (
        f'<g class="scale-bar"><path d="M{x} {y - 4}V{y}H{x + length}V{y - 4}" '
        f'fill="none" stroke="#1a1a1a" stroke-width="2"/>'
        f'<text x="{x + length + 6}" y="{y}" font-size="12" fill="#1a1a1a">{label}</text></g>'
    )


def _legend(categories, labels, top):
    parts = ['<g class="legend">']
    for i, category in enumerate(categories):
        y = top + 4 + i * LEGEND_LINE
        colour = COLOURS.get(category, DEFAULT_COLOUR)
        parts.append(
            f'<circle cx="{PAD + RADIUS}" cy="{y + 6}" r="{RADIUS}" fill="{colour}"/>'
            f'<text x="{PAD + 16}" y="{y + 10}" font-size="12" fill="#1a1a1a">'
            f"{escape(str(labels.get(category, category)))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
