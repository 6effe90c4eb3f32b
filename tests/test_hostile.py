"""Bad model files and hostile input: a clean error naming the file, never anything else."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from w2v.errors import ModelFormatError
from w2v.formats import NATIVE_MAGIC, load, save_native, save_word2vec
from w2v.tokenize import Tokenizer

WORDS = ["alpha", "beta", "gamma"]
VECTORS = np.arange(12, dtype=np.float32).reshape(3, 4) / 10


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, binary in (("v.bin", True), ("v.txt", False)):
        save_word2vec(str(tmp_path / name), WORDS, VECTORS, binary=binary)
        paths[name] = tmp_path / name
    save_native(str(tmp_path / "v.w2v"), WORDS, VECTORS, VECTORS, np.array([3, 2, 1]), {})
    paths["v.w2v"] = tmp_path / "v.w2v"
    return paths


def _fails_cleanly(path, match=None):
    with pytest.raises(ModelFormatError) as info:
        load(str(path))
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    if match:
        assert any(m in message for m in match.split("|")), message


@pytest.mark.parametrize("name", ["v.bin", "v.txt", "v.w2v"])
def test_truncated_files(files, name):
    data = files[name].read_bytes()
    for cut in (len(data) // 2, len(data) - 12):  # -12 removes a whole text value
        files[name].write_bytes(data[:cut])
        _fails_cleanly(files[name], "truncated|rows|expected|values")


def test_header_claiming_huge_sizes_allocates_nothing(tmp_path):
    for header in (b"1000000000000 100\n", b"3 1000000000\n"):
        path = tmp_path / "huge.bin"
        path.write_bytes(header + b"a " + b"\0" * 64)
        _fails_cleanly(path, "claims|truncated")
    path = tmp_path / "huge.txt"
    path.write_text("1000000000000 2\na 1 2\n")
    _fails_cleanly(path, "rows")


def test_native_header_claims_are_checked(files, tmp_path):
    data = files["v.w2v"].read_bytes()
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    header["arrays"]["vectors"]["shape"] = [10**9, 10**3]
    blob = json.dumps(header).encode()
    path = tmp_path / "lie.w2v"
    path.write_bytes(NATIVE_MAGIC + struct.pack("<Q", len(blob)) + blob + data[16 + length:])
    _fails_cleanly(path, "past the end|truncated")
    path.write_bytes(NATIVE_MAGIC + struct.pack("<Q", 10**12) + b"{}")
    _fails_cleanly(path, "header length")
    path.write_bytes(NATIVE_MAGIC + struct.pack("<Q", 5) + b"{bad}" + b"\0" * 100)
    _fails_cleanly(path, "damaged header")


def test_wrong_magic_and_binary_junk(tmp_path):
    path = tmp_path / "junk.w2v"
    path.write_bytes(b"\x93W2VXXX\n" + bytes(range(256)) * 4)
    _fails_cleanly(path)


def test_text_rows_short_mixed_or_non_numeric(tmp_path):
    cases = {"short.txt": "2 3\na 1 2 3\nb 1 2\n", "nan.txt": "2 2\na 1 2\nb x 2\n",
             "mixed.txt": "a 1 2 3\nb 1 2\n", "count.txt": "3 2\na 1 2\nb 1 2\n"}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        _fails_cleanly(path, "line|rows|values")


def test_loading_never_unpickles(tmp_path):
    import pickle

    path = tmp_path / "evil.w2v"
    path.write_bytes(pickle.dumps({"__reduce__": "os.system"}))
    _fails_cleanly(path)


_settings = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(data=st.data())
def test_mutated_files_load_or_fail_cleanly(files, tmp_path, data):
    name = data.draw(st.sampled_from(sorted(files)))
    blob = bytearray(files[name].read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if op == "flip" and blob:
            blob[at] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del blob[at:at + data.draw(st.integers(1, 64))]
        else:
            blob[at:at] = data.draw(st.binary(max_size=16))
    path = tmp_path / f"mutant-{name}"
    path.write_bytes(bytes(blob))
    try:
        loaded = load(str(path))
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        return
    assert loaded.vectors.ndim == 2 and len(loaded.words) == loaded.vectors.shape[0]


@_settings
@given(blob=st.binary(max_size=2048))
def test_random_bytes_load_or_fail_cleanly(tmp_path, blob):
    path = tmp_path / "random.bin"
    path.write_bytes(blob)
    try:
        loaded = load(str(path))
    except ModelFormatError:
        return
    assert len(loaded.words) == loaded.vectors.shape[0]


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=6) | st.sampled_from(["<f4", "<i8", "|u1", ">f4", "<f8"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6)


@_settings
@given(data=st.data())
def test_native_header_values_load_or_fail_cleanly(files, tmp_path, data):
    """Any JSON value in any header field: a clean error or a load consistent with the header."""
    raw = files["v.w2v"].read_bytes()
    (length,) = struct.unpack("<Q", raw[8:16])
    header = json.loads(raw[16:16 + length])
    first_array = min(spec["offset"] for spec in header["arrays"].values())
    name = data.draw(st.sampled_from([None, *sorted(header["arrays"])]))
    target = header if name is None else header["arrays"][name]
    key = data.draw(st.sampled_from(sorted(target) + ["extra"]))
    target[key] = data.draw(_json)
    blob = json.dumps(header).encode()
    assume(16 + len(blob) <= first_array)  # the arrays stay where they are
    path = tmp_path / "mutant.w2v"
    path.write_bytes(raw[:8] + struct.pack("<Q", len(blob)) + blob + raw[16 + len(blob):])
    try:
        loaded = load(str(path))
    except ModelFormatError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        return
    assert loaded.vectors.shape == (len(loaded.words), 4) and loaded.vectors.dtype == "<f4"
    assert loaded.output is None or loaded.output.shape == loaded.vectors.shape
    assert loaded.counts is None or loaded.counts.shape == (len(loaded.words),)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), raw=st.binary(max_size=300),
       lower=st.booleans(), strip=st.booleans())
def test_tokenizer_takes_any_text(text, raw, lower, strip):
    tokenizer = Tokenizer(lowercase=lower, strip_punctuation=strip)
    for block in (text.encode("utf-8", errors="surrogatepass"), raw):
        normalised = tokenizer.normalize(block)
        lines = normalised.decode("utf-8").split("\n")
        assert len(lines) == block.count(b"\n") + 1
        for line in lines:
            assert all(token and not token.isspace() for token in line.split(" ") if token)
