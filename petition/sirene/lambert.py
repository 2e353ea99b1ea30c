"""Lambert-93 (EPSG:2154), the plane projection of Sirene's establishment
coordinates, from WGS84 latitude and longitude.

The IGN's published constants for the conic conformal projection on GRS80
(IGN, "Projection cartographique conique conforme de Lambert", NT/G 71). Used
for the API's answers (latitude/longitude) and the demo extract's points, so
every stored point is in the same metres as the stock file's.
"""

import math

_E = 0.0818191910428158  # GRS80 first eccentricity
_N = 0.7256077650532670
_C = 11754255.426096
_XS, _YS = 700000.0, 12655612.049876
_LON0 = math.radians(3.0)


def from_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """(x, y) in metres for a point given in degrees."""
    phi = math.radians(latitude)
    sin = _E * math.sin(phi)
    isometric = math.log(math.tan(math.pi / 4 + phi / 2) * ((1 - sin) / (1 + sin)) ** (_E / 2))
    radius = _C * math.exp(-_N * isometric)
    gamma = _N * (math.radians(longitude) - _LON0)
    return round(_XS + radius * math.sin(gamma), 1), round(_YS - radius * math.cos(gamma), 1)
