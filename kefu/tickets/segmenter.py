"""jieba's segmentation with its dictionary in a compact trie: the same words, a tenth of the memory.

jieba keeps its prefix dictionary as a Python dict of 498,113 entries (every word of dict.txt with its
frequency, and every prefix of a word with 0): about 55 MB in each process that segments text, which is
every web process (intake segments the case, search segments the query). `CompactTokenizer` is jieba's own
Tokenizer with that dict replaced by a MARISA trie of the 349,046 words (about 1.3 MB) and an array of their
frequencies: about 6 MB, memory-mapped from a cache file so that all processes on a machine share it.

Segmentation is unchanged, word for word: the trie answers exactly the dict's questions (get_DAG: which
words start here; calc and cut_for_search: the frequency of a word, where the dict's 0 for a prefix and its
"missing" read alike), and calc adds the very same floats (log(freq) - log(total), computed once per word).
kefu/tickets/tests/test_segmenter.py compares both on case texts, dictionary words and random text. The
stored search documents depend on this: a change of segmentation would need `search.reindex()`.

The cache (trie + frequency file) is built from jieba's dict.txt on first use (a few seconds) in
VAR_DIR/cache, named after the jieba and marisa-trie versions and the dictionary file, and replaced
atomically, so concurrent first starts are safe.
"""

from __future__ import annotations

import array
import hashlib
import logging
import mmap
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from math import log
from pathlib import Path
from typing import Any, NamedTuple

import jieba
import marisa_trie

jieba.setLogLevel(logging.WARNING)

FORMAT = b"KEFUJB01"
HEADER = struct.Struct("<8sqqq")  # format, total, longest word, number of words


class _Freq:
    """What jieba reads of its FREQ dict: get(word) -> the frequency of a dictionary word, else `default`
    (the dict's 0 for a mere prefix becomes `default`; every reader treats both as "not a word")."""

    __slots__ = ("_freqs", "_get")

    def __init__(self, trie: Any, freqs: Any) -> None:
        self._get = trie.get
        self._freqs = freqs

    def get(self, key: str, default: int | None = None) -> int | None:
        i = self._get(key)
        return default if i is None else self._freqs[i]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._get(key) is not None

    def __getitem__(self, key: str) -> int:
        i = self._get(key)
        if i is None:
            raise KeyError(key)
        return int(self._freqs[i])


def _cache_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "cache"


def _dict_path() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def _cache_name(dict_path: Path) -> str:
    st = dict_path.stat()
    key = f"{version('jieba')}|{version('marisa-trie')}|{dict_path}|{st.st_size}|{st.st_mtime_ns}|{FORMAT!r}"
    return "jieba-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _write(path: Path, write: Callable[[str], object]) -> None:
    """write(temporary path), then rename it into place: readers see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class _Tables(NamedTuple):
    trie: Any  # marisa_trie.Trie: the words of dict.txt with a frequency > 0, each with an id
    freqs: Any  # id -> frequency (int64)
    weights: Any  # id -> log(frequency) - log(total) (float64)
    total: int
    longest: int


def _compute(dict_path: Path) -> _Tables:
    with open(dict_path, "rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)  # read as jieba reads it (a repeated word: the last line)
    words = [w for w, n in freq.items() if n]
    trie = marisa_trie.Trie(words)
    freqs = array.array("q", bytes(8 * len(trie)))
    for w in words:
        freqs[trie[w]] = freq[w]
    logtotal = log(total)
    weights = array.array("d", (log(n) - logtotal for n in freqs))
    return _Tables(trie, freqs, weights, total, max(len(w) for w in words))


def _build(dict_path: Path, trie_path: Path, freq_path: Path) -> None:
    """dict.txt -> the trie of its words and a file of header, frequencies and log weights."""
    t = _compute(dict_path)

    def write_freqs(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(HEADER.pack(FORMAT, t.total, t.longest, len(t.trie)))
            t.freqs.tofile(fh)
            t.weights.tofile(fh)

    _write(freq_path, write_freqs)
    _write(trie_path, t.trie.save)


def _build_apart(dict_path: Path, trie_path: Path, freq_path: Path) -> None:
    """_build in a child process: reading dict.txt the way jieba does takes about 120 MB for a moment, and a
    process that did it keeps much of that (a fragmented heap). Where no child can be started (sys.executable
    is not a Python, as under some servers), here."""
    root = Path(__file__).resolve().parents[2]
    code = "import sys, pathlib, kefu.tickets.segmenter as s; s._build(*map(pathlib.Path, sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    try:
        args = [sys.executable, "-c", code, str(dict_path), str(trie_path), str(freq_path)]
        subprocess.run(args, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603 - our own code
    except (OSError, subprocess.SubprocessError):
        _build(dict_path, trie_path, freq_path)


def _load(trie_path: Path, freq_path: Path) -> _Tables:
    """The cache files, memory-mapped (read-only pages of the file: shared by all processes that map them)."""
    with open(freq_path, "rb") as fh:
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if len(data) < HEADER.size:
        raise ValueError("short cache file")
    fmt, total, longest, n = HEADER.unpack_from(data)
    if fmt != FORMAT or len(data) != HEADER.size + 16 * n:
        raise ValueError("not a cache file of this format")
    trie = marisa_trie.Trie()
    trie.mmap(str(trie_path))
    if len(trie) != n:
        raise ValueError("trie and frequencies do not match")
    view = memoryview(data)
    freqs = view[HEADER.size : HEADER.size + 8 * n].cast("q")
    return _Tables(trie, freqs, view[HEADER.size + 8 * n :].cast("d"), total, longest)


class CompactTokenizer(jieba.Tokenizer):
    """jieba.Tokenizer on a trie; use its cut / cut_for_search / lcut... as jieba's."""

    initialized: bool

    def __init__(self, cache_dir: Path | None = None) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.longest = 0

    def initialize(self, dictionary: str | None = None) -> None:
        if dictionary is not None:
            raise ValueError("CompactTokenizer reads jieba's default dictionary only")
        if self.initialized:
            return
        with self.lock:
            if self.initialized:
                return
            dict_path = _dict_path()
            cache_dir = self.cache_dir or _cache_dir()
            name = _cache_name(dict_path)
            trie_path, freq_path = cache_dir / f"{name}.marisa", cache_dir / f"{name}.freq"
            try:
                self._use(_load(trie_path, freq_path))
            except (OSError, ValueError, RuntimeError):  # missing, short or foreign: build it (again)
                try:
                    _build_apart(dict_path, trie_path, freq_path)
                    self._use(_load(trie_path, freq_path))
                except OSError:  # no cache can be written there: the tables in this process's memory
                    self._use(_compute(dict_path))
            self.initialized = True

    def _use(self, t: _Tables) -> None:
        self._trie, self._freqs, self._weights = t.trie, t.freqs, t.weights
        self.FREQ = _Freq(t.trie, t.freqs)  # type: ignore[assignment]
        self.total, self.longest = t.total, t.longest

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """For each position k, the end positions of the dictionary words that start at k ([k] if none)."""
        self.check_initialized()
        prefixes, m = self._trie.prefixes, self.longest
        return {k: ([k + len(p) - 1 for p in prefixes(sentence[k : k + m])] or [k]) for k in range(len(sentence))}

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
        """jieba's calc: route[i] = max((log(freq or 1) - log(total) + route[x + 1][0], x) for x in DAG[i]),
        with log(freq) - log(total) read from the cache (the same floats; a non-word counts as freq 1)."""
        n = len(sentence)
        route[n] = (0, 0)
        get, weights, other = self._trie.get, self._weights, 0.0 - log(self.total)
        for idx in range(n - 1, -1, -1):
            route[idx] = max(
                ((other if (i := get(sentence[idx : x + 1])) is None else weights[i]) + route[x + 1][0], x)
                for x in DAG[idx]
            )

    def add_word(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("CompactTokenizer's dictionary is read-only")

    def load_userdict(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("CompactTokenizer's dictionary is read-only")

    def suggest_freq(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("CompactTokenizer's dictionary is read-only")


# The one instance Kefu segments with (kefu.tickets.search); loaded on first use or by initialize().
tokenizer = CompactTokenizer()
