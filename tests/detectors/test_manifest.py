"""Manifests: the bundled ones validate; bad ones are rejected naming the field."""

from __future__ import annotations

import copy

import pytest

from detectors.manifest import BUNDLED_DIR, ManifestError, bundled_manifests, load_manifest, parse_manifest

GOOD = {
    "id": "chef-hat", "name": "厨师帽检测", "family": "yolo", "labels": ["hat", "no_hat"],
    "categories": {"no_hat": "未戴厨师帽"},
    "files": [{"name": "chef-hat.onnx"}],
    "input": {"layout": "NCHW", "width": 64, "height": 64, "scale": [255, 255, 255], "resize": "letterbox"},
    "licence": {"name": "AGPL-3.0", "text": "…"}, "source": "vendor",
}


def test_bundled_manifests_validate():
    ids = {m.id for m in bundled_manifests()}
    assert {"person-ssdlite", "face-ultraface", "face-blazeface-full", "face-blazeface-short"} <= ids
    for m in bundled_manifests():
        assert m.default and m.licence.name and all(f.sha256 and (f.package or (BUNDLED_DIR / m.id / f.name).is_file())
                                                    for f in m.files)


def test_good_plugin_manifest():
    m = parse_manifest(GOOD)
    assert m.categories == {"no_hat": "未戴厨师帽"} and m.kind == "detector"


def bad(**changes):
    data = copy.deepcopy(GOOD)
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split("__")
        for p in parents:
            node = node[p]
        if value is ...:
            del node[leaf]
        else:
            node[leaf] = value
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"family": "magic"}, r"family: Value error, unknown family 'magic'"),
    ({"input__width": ...}, r"input\.width: Field required"),
    ({"input__width": -3}, r"input\.width: Input should be greater than 0"),
    ({"input__layout": "CHW"}, r"input\.layout: Input should be 'NCHW' or 'NHWC'"),
    ({"thresholds": {"score": 1.5}}, r"thresholds\.score: Input should be less than or equal to 1"),
    ({"categories": {"no_hat": "摸鱼"}}, r"categories: '摸鱼' is not a violation category"),
    ({"categories": {"cap": "未戴厨师帽"}}, r"label 'cap' is not in labels"),
    ({"files": [{"name": "../etc/passwd"}]}, r"files\.0\.name: Value error, must be a plain relative"),
    ({"files": [{"name": "a.onnx", "package": "x"}]}, r"needs `version` and `member`"),
    ({"id": "Bad Id"}, r"id: String should match pattern"),
    ({"licence": ...}, r"licence: Field required"),
    ({"labels": []}, r"labels: Tuple should have at least 1 item"),
    ({"options": {"transposed": "sideways"}}, r"options\.transposed: Input should be a valid boolean"),
    ({"colour": "RGB"}, r"colour: Extra inputs are not permitted"),
])
def test_bad_manifests_name_the_field(changes, message):
    with pytest.raises(ManifestError, match=message):
        parse_manifest(bad(**changes), "m.toml")


def test_blazeface_needs_strides():
    data = bad(family="blazeface", labels=["face"], categories={})
    with pytest.raises(ManifestError, match=r"options\.strides: Field required"):
        parse_manifest(data)


def test_unreadable_toml(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text("id = [", encoding="utf-8")
    with pytest.raises(ManifestError, match="cannot read TOML"):
        load_manifest(p)
