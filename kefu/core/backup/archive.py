"""The archive file: written in one pass, read and verified in one pass into a staging folder.

manifest.json        first: what the archive holds (see service.backup)
database.sqlite3     or database.pgdump
media/<path>         every file under MEDIA_ROOT
SHA256SUMS           last: the sha256 of every other member, `sha256sum -c` format
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import MSG_CHECKSUM, MSG_DAMAGED, MSG_FORMAT, MSG_MEDIA_CHANGED, MSG_NOT_FOUND, MSG_ODD_NAME, BackupError

FORMAT = "kefu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA_DIR = "media"
DB_PART = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
MAX_TEXT_MEMBER = 64 * 1024 * 1024  # manifest.json and SHA256SUMS are read into memory
# What reading a damaged archive raises: a truncated or garbled gzip stream, a broken tar header, bad JSON.
READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError, ValueError)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


def media_files(root: Path) -> list[tuple[str, Path, int]]:
    """Every regular file under root as (relative posix path, path, size), in name order. Links are left out."""
    if not root.is_dir():
        return []
    found: list[tuple[str, Path, int]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            try:
                st = path.lstat()
            except FileNotFoundError:  # removed since the folder was read
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            rel = path.relative_to(root).as_posix()
            if "\n" in rel or "\r" in rel:
                raise BackupError(MSG_ODD_NAME.format(name=rel))
            found.append((rel, path, st.st_size))
    return found


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o644
    tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> str:
    with path.open("rb") as f:
        st = os.fstat(f.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), st.st_mode & 0o777
        reader = _Hashing(f)
        tar.addfile(info, reader)  # type: ignore[arg-type]  # tarfile only calls read()
    return reader.digest.hexdigest()


def write(
    dest: Path, manifest: dict[str, Any], db_file: Path, media: list[tuple[str, Path, int]], mtime: float
) -> None:
    """Write the archive to dest (a new file). The media files are hashed as they are read into it."""
    sums: list[tuple[str, str]] = []
    with tarfile.open(dest, "w:gz", compresslevel=6) as tar:
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        sums.append((_add_bytes(tar, MANIFEST, data, mtime), MANIFEST))
        db_name = DB_PART[manifest["vendor"]]
        sums.append((_add_file(tar, db_name, db_file), db_name))
        for rel, path, _size in media:
            name = f"{MEDIA_DIR}/{rel}"
            try:
                sums.append((_add_file(tar, name, path), name))
            except OSError as exc:  # removed, or shorter than when it was listed
                raise BackupError(MSG_MEDIA_CHANGED.format(name=rel)) from exc
        _add_bytes(tar, SUMS, "".join(f"{h}  {n}\n" for h, n in sums).encode(), mtime)


@dataclass
class Staged:
    """A verified archive in a staging folder."""

    manifest: dict[str, Any]
    db_file: Path
    media_dir: Path
    media_files: int


def _safe_media_path(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and "\\" not in rel and "\x00" not in rel and all(p not in ("", ".", "..") for p in parts)


def _valid_manifest(m: Any) -> bool:
    return (
        isinstance(m, dict)
        and isinstance(m.get("vendor"), str)
        and isinstance(m.get("tables"), dict)
        and all(isinstance(k, str) and isinstance(v, int) for k, v in m["tables"].items())
        and isinstance(m.get("migrations"), list)
        and all(isinstance(x, str) for x in m["migrations"])
        and isinstance(m.get("database"), dict)
        and isinstance(m["database"].get("sha256"), str)
        and isinstance(m.get("media"), dict)
        and isinstance(m["media"].get("files"), int)
    )


class Reader:
    """One pass over an archive: `open()` reads the manifest (so a wrong vendor is refused before anything is
    extracted), `extract(staging)` writes the rest into the staging folder and verifies every member."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar: tarfile.TarFile | None = None
        self.manifest: dict[str, Any] = {}
        self._manifest_sha = ""

    def damaged(self, detail: str) -> BackupError:
        return BackupError(f"{MSG_DAMAGED.format(path=self.path)} ({detail})")

    def __enter__(self) -> Reader:
        if not self.path.is_file():
            raise BackupError(MSG_NOT_FOUND.format(path=self.path))
        try:
            self._tar = tarfile.open(self.path, "r|gz")
            first = self._tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > MAX_TEXT_MEMBER:
                raise self.damaged(f"{MANIFEST} is not its first member")
            data = self._read(first)
            manifest = json.loads(data.decode())
        except READ_ERRORS as exc:
            self.close()
            raise self.damaged(str(exc) or type(exc).__name__) from exc
        except BaseException:
            self.close()
            raise
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            self.close()
            raise self.damaged(f"{MANIFEST} is not a Kefu manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            self.close()
            raise BackupError(MSG_FORMAT.format(version=manifest.get("format_version")))
        if not _valid_manifest(manifest) or manifest["vendor"] not in DB_PART:
            self.close()
            raise self.damaged(f"{MANIFEST} lacks a field")
        self.manifest, self._manifest_sha = manifest, hashlib.sha256(data).hexdigest()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()
            self._tar = None

    def _read(self, member: tarfile.TarInfo) -> bytes:
        assert self._tar is not None
        f = self._tar.extractfile(member)
        assert f is not None
        return f.read()

    def _extract(self, member: tarfile.TarInfo, dest: Path) -> str:
        assert self._tar is not None
        src = self._tar.extractfile(member)
        assert src is not None
        digest = hashlib.sha256()
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("xb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        dest.chmod((member.mode & 0o777) | 0o600)
        os.utime(dest, (member.mtime, member.mtime))
        return digest.hexdigest()

    def extract(self, staging: Path) -> Staged:
        """Extract into staging (an empty folder) and verify: only the expected members, each once, each
        matching SHA256SUMS; the database part matching the manifest too."""
        assert self._tar is not None
        db_name = DB_PART[self.manifest["vendor"]]
        media_dir = staging / MEDIA_DIR
        media_dir.mkdir()
        digests = {MANIFEST: self._manifest_sha}
        sums: bytes | None = None
        try:
            while (member := self._tar.next()) is not None:
                name = member.name
                if sums is not None:
                    raise self.damaged(f"{name} after {SUMS}")
                if not member.isfile():
                    raise self.damaged(f"{name} is not a file")
                if name in digests:
                    raise self.damaged(f"{name} twice")
                if name == SUMS:
                    if member.size > MAX_TEXT_MEMBER:
                        raise self.damaged(f"{SUMS} too big")
                    sums = self._read(member)
                elif name == db_name:
                    digests[name] = self._extract(member, staging / db_name)
                elif name.startswith(f"{MEDIA_DIR}/") and _safe_media_path(name[len(MEDIA_DIR) + 1 :]):
                    digests[name] = self._extract(member, media_dir / name[len(MEDIA_DIR) + 1 :])
                else:
                    raise self.damaged(f"unexpected member {name!r}")
        except (*READ_ERRORS, FileExistsError, NotADirectoryError, IsADirectoryError) as exc:  # clashing paths too
            raise self.damaged(str(exc) or type(exc).__name__) from exc
        if sums is None:
            raise self.damaged(f"no {SUMS}; the archive is incomplete")
        listed: dict[str, str] = {}
        for line in sums.decode(errors="replace").splitlines():
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                raise self.damaged(f"bad line in {SUMS}")
            listed[name] = digest
        if set(listed) != set(digests):
            names = sorted(set(listed) ^ set(digests))
            raise self.damaged(f"members and {SUMS} disagree: {', '.join(names[:5])}")
        for name in sorted(listed):
            if listed[name] != digests[name]:
                raise BackupError(MSG_CHECKSUM.format(name=name))
        if db_name not in digests:
            raise self.damaged(f"no {db_name}")
        if self.manifest["database"]["sha256"] != digests[db_name]:
            raise BackupError(MSG_CHECKSUM.format(name=db_name))
        media = len(digests) - 2
        if media != self.manifest["media"]["files"]:
            raise self.damaged(f"{media} media files, the manifest says {self.manifest['media']['files']}")
        return Staged(self.manifest, staging / db_name, media_dir, media)
