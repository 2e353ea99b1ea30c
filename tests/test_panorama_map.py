"""The panorama's SVG map: points where their Lambert-93 coordinates put them."""

import xml.etree.ElementTree as ET

from petition.services import panorama_map

from helpers import checked_signer, publish_profile

SVG = "{http://www.w3.org/2000/svg}"


def points(svg_text):
    root = ET.fromstring(svg_text)
    found = {}
    for link in root.iter(SVG + "a"):
        circle = link.find(SVG + "circle")
        siren = link.get("href").rsplit("#org-", 1)[1]
        assert siren not in found, "drawn twice"
        found[siren] = (float(circle.get("cx")), float(circle.get("cy")), link.get("href"))
    return root, found


def test_the_map_places_each_establishment_at_its_coordinates(app, client, petition):
    # 10 km apart east-west and north-south: the drawing is 640 wide with 40 of margin
    west = checked_signer(petition, siren="552100554", name="OUEST", x=800000.0, y=6480000.0)
    east = checked_signer(petition, siren="732829320", name="EST", x=810000.0, y=6470000.0)
    middle = checked_signer(petition, siren="443061841", name="MILIEU", x=805000.0, y=6475000.0)
    nowhere = checked_signer(petition, siren="356000000", name="SANS POSITION", x=None, y=None)
    for signature in (west, east, middle, nowhere):
        assert publish_profile(client, app, signature).status_code == 200
    response = client.get("/p/saint-etienne/carte.svg")
    assert response.mimetype == "image/svg+xml"
    root, found = points(response.get_data(as_text=True))
    assert set(found) == {"552100554", "732829320", "443061841"}  # each once, none without position
    scale = (panorama_map.WIDTH - 2 * panorama_map.PAD) / 10000
    pad = panorama_map.PAD
    assert found["552100554"][:2] == (pad, pad)  # west and north: top left
    assert found["732829320"][:2] == (pad + 10000 * scale, pad + 10000 * scale)  # y flipped
    assert found["443061841"][:2] == (pad + 5000 * scale, pad + 5000 * scale)
    assert found["443061841"][2].endswith("#org-443061841")
    # the commune's name at the centre of its points, a scale bar, a legend
    (label,) = [t for t in root.iter(SVG + "text") if t.get("class") == "commune"]
    assert label.text == "Saint-Étienne"
    assert float(label.get("x")) == pad + 5000 * scale
    assert any(g.get("class") == "scale-bar" for g in root.iter(SVG + "g"))
    assert "km" in "".join(root.itertext())
    # no script, no external resource
    body = response.get_data(as_text=True)
    assert "<script" not in body and "http://" not in body.replace("http://www.w3.org/2000/svg", "")
    page = client.get("/p/saint-etienne/carte").get_data(as_text=True)
    unplaced = page[page.index('id="unplaced"') :]
    assert "SANS POSITION" in unplaced and "OUEST" not in unplaced
    assert page.count("<tr><td><a") == 3  # the table alternative: one row per point


def test_an_empty_map_says_so(app, client, petition):
    response = client.get("/p/saint-etienne/carte.svg")
    root, found = points(response.get_data(as_text=True))
    assert found == {}


def test_a_big_map_is_served_compressed_to_who_accepts_it(app, client, petition):
    import gzip

    for i in range(12):
        signature = checked_signer(
            petition, siren=f"{100000000 + i}", name=f"ORG {i}", x=800000.0 + i * 500, y=6.47e6
        )
        assert publish_profile(client, app, signature).status_code == 200
    plain = client.get("/p/saint-etienne/carte.svg")
    packed = client.get("/p/saint-etienne/carte.svg", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in packed.headers["Vary"]
