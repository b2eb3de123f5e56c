"""The archive encryption (haven.core.backup_crypto): what it lets through and what it refuses.

Small chunk sizes put many chunk boundaries into a few bytes, so every way of cutting,
moving or changing an archive is tried without writing megabytes."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.core.backup_crypto import (
    TAG,
    BackupError,
    BackupKey,
    EncryptingWriter,
    choose_key,
    decrypt_chunks,
    key_for_backup,
    parse_key,
    read_header,
)

KEY = BackupKey(bytes(range(32)), "the test key")
OTHER = BackupKey(bytes(range(1, 33)), "another key")


def _encrypt(plain: bytes, *, chunk: int = 64, key: BackupKey = KEY, writes: int = 7) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk=chunk)
    for at in range(0, len(plain), writes):
        writer.write(plain[at : at + writes])
    writer.finish()
    return out.getvalue()


def _decrypt(blob: bytes, *, key: BackupKey = KEY) -> bytes:
    source = io.BytesIO(blob)
    header = read_header(source, name="the archive")
    return b"".join(decrypt_chunks(source, header, choose_key(header, [key], name="the archive"), name="the archive"))


def _split(blob: bytes, chunk: int = 64) -> tuple[bytes, list[bytes]]:
    line_end = blob.index(b"\n") + 1
    body = blob[line_end:]
    size = chunk + TAG
    return blob[:line_end], [body[i : i + size] for i in range(0, len(body), size)]


@settings(max_examples=60, deadline=None)
@given(plain=st.binary(max_size=700), chunk=st.integers(min_value=1, max_value=130), writes=st.integers(1, 300))
def test_what_is_encrypted_decrypts_to_the_same_bytes(plain, chunk, writes):
    assert _decrypt(_encrypt(plain, chunk=chunk, writes=writes)) == plain


def test_the_header_names_the_cipher_and_key_but_not_the_key():
    blob = _encrypt(b"secret words " * 40)
    line = blob.split(b"\n", 1)[0].decode()
    assert line.startswith("HAVEN-BACKUP/2 cipher=aes-256-gcm-chunked key=") and KEY.key_id in line
    assert base64.b64encode(KEY.secret) not in blob and KEY.secret not in blob
    assert b"secret words" not in blob


def test_two_archives_of_the_same_bytes_differ():
    assert _encrypt(b"same" * 100) != _encrypt(b"same" * 100)  # a fresh random nonce prefix each time


@pytest.mark.parametrize("at", [0, 30, 79, 80, 200, -1])
def test_a_changed_byte_anywhere_after_the_header_is_refused(at):
    blob = bytearray(_encrypt(os.urandom(300)))
    start = blob.index(b"\n") + 1
    blob[start + at if at >= 0 else at] ^= 0x20
    with pytest.raises(BackupError, match="has been changed, damaged or cut short"):
        _decrypt(bytes(blob))


def test_a_changed_header_is_refused():
    blob = _encrypt(os.urandom(300))
    header, chunks = _split(blob)
    at = header.index(b"nonce=") + len(b"nonce=")
    other_nonce = header[:at] + (b"0" if header[at : at + 1] != b"0" else b"1") + header[at + 1 :]
    with pytest.raises(BackupError, match="changed, damaged or cut short"):
        _decrypt(other_nonce + b"".join(chunks))


def test_chunks_swapped_or_repeated_are_refused():
    header, chunks = _split(_encrypt(os.urandom(64 * 4 + 10)))
    assert len(chunks) == 5
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    repeated = [chunks[0], chunks[0], *chunks[1:]]
    for body, part in ((swapped, 1), (repeated, 2)):
        with pytest.raises(BackupError, match=f"part {part} fails its authentication check"):
            _decrypt(header + b"".join(body))


def test_an_archive_cut_at_a_chunk_boundary_is_refused_as_cut_short():
    header, chunks = _split(_encrypt(os.urandom(64 * 4 + 10)))
    with pytest.raises(BackupError, match="is cut short: it ends after part 3 without its last part"):
        _decrypt(header + b"".join(chunks[:3]))


@pytest.mark.parametrize("keep", [1, 17, 80 + 3, 250])
def test_an_archive_cut_anywhere_else_is_refused(keep):
    blob = _encrypt(os.urandom(64 * 4 + 10))
    start = blob.index(b"\n") + 1
    with pytest.raises(BackupError, match="changed, damaged or cut short"):
        _decrypt(blob[: start + keep])


def test_bytes_added_after_the_last_chunk_are_refused():
    with pytest.raises(BackupError, match="changed, damaged or cut short"):
        _decrypt(_encrypt(os.urandom(100)) + b"more")


def test_a_file_that_is_not_an_archive_is_named_so():
    with pytest.raises(BackupError, match="is not an encrypted Haven backup archive"):
        _decrypt(b"PK\x03\x04 a zip file\n")


def test_the_wrong_key_is_refused_naming_both_key_ids():
    blob = _encrypt(b"x" * 100)
    with pytest.raises(BackupError) as refused:
        _decrypt(blob, key=OTHER)
    assert KEY.key_id in str(refused.value) and OTHER.key_id in str(refused.value)
    assert "give the older key with --key-file" in str(refused.value)


def test_a_key_must_be_32_bytes_of_base64():
    assert parse_key(base64.b64encode(KEY.secret).decode() + "\n", origin="x").secret == KEY.secret
    assert parse_key(base64.urlsafe_b64encode(KEY.secret).decode(), origin="x").secret == KEY.secret
    for bad in ("", "not base64 at all!", base64.b64encode(b"short").decode()):
        with pytest.raises(BackupError, match="HAVEN_BACKUP_KEY is not a backup key: it must be 32 random bytes"):
            parse_key(bad, origin="HAVEN_BACKUP_KEY")


def test_outside_production_the_first_backup_makes_a_key_file_once(tmp_path, monkeypatch):
    monkeypatch.delenv("HAVEN_BACKUP_KEY", raising=False)
    monkeypatch.delenv("HAVEN_BACKUP_KEY_FILE", raising=False)
    with override_settings(DATA_DIR=tmp_path, PRODUCTION=False):
        key, made = key_for_backup()
        assert made == tmp_path / "backup_key"
        assert (tmp_path / "backup_key").stat().st_mode & 0o777 == 0o600
        again, made_again = key_for_backup()
    assert made_again is None and again.secret == key.secret


def test_production_never_makes_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("HAVEN_BACKUP_KEY", raising=False)
    monkeypatch.delenv("HAVEN_BACKUP_KEY_FILE", raising=False)
    (tmp_path / "backup_key").write_text(base64.b64encode(KEY.secret).decode())  # beside the data: not used
    with override_settings(DATA_DIR=tmp_path, PRODUCTION=True), pytest.raises(BackupError, match="No backup key"):
        key_for_backup()
    monkeypatch.setenv("HAVEN_BACKUP_KEY", base64.b64encode(OTHER.secret).decode())
    with override_settings(DATA_DIR=tmp_path, PRODUCTION=True):
        key, made = key_for_backup()
    assert key.secret == OTHER.secret and key.origin == "HAVEN_BACKUP_KEY" and made is None


def test_a_key_file_that_is_missing_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("HAVEN_BACKUP_KEY", raising=False)
    monkeypatch.setenv("HAVEN_BACKUP_KEY_FILE", str(tmp_path / "nowhere"))
    with pytest.raises(BackupError, match=r"The backup key file .*nowhere cannot be read"):
        key_for_backup()
