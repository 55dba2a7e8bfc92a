"""The compact tokenizer segments exactly as jieba does (the stored search documents depend on it)."""

import random
import shutil
import sys

import jieba
import pytest

from kefu.tickets import segmenter
from kefu.tickets.segmenter import CompactTokenizer

TEXTS = [
    "卫生间天花板漏水，楼上可能水管破裂，请尽快上门查看",
    "电梯停在三楼不动，里面可能有人，请立即派人处理",
    "小区门口垃圾堆积多日无人清理，气味很大",
    "邻居装修噪音太大，中午也不停，投诉！！！",
    "地下车库B2层排水沟堵塞，下雨后积水严重 (已拍照)",
    "TS20261122-0001 王女士 13800001111 3栋2单元1501 物业费 1,280.50元",
    "WiFi密码忘了 test_x.y #5 & 3+4 100% e-mail: a.b@example.com",
    "南京市长江大桥",
    "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "",
    " ",
    "\r\n\t",
    "ａｂｃ１２３全角字符",
    "𠀀𠀁 扩展汉字 and emoji 🙂",
]


@pytest.fixture(scope="module")
def stock() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("jieba-cache")


@pytest.fixture(scope="module")
def compact(cache_dir) -> CompactTokenizer:
    tok = CompactTokenizer(cache_dir=cache_dir)
    tok.initialize()
    return tok


def _corpus() -> list[str]:
    rnd = random.Random(8)
    with open(segmenter._dict_path(), encoding="utf-8") as f:
        words = [line.split()[0] for line in f]
    chars = sorted({c for w in words[::7] for c in w})
    texts = list(TEXTS)
    texts += ["".join(rnd.sample(words, rnd.randint(2, 12))) for _ in range(1500)]
    texts += ["".join(rnd.choice(chars) for _ in range(rnd.randint(1, 80))) for _ in range(1500)]
    texts += [" ".join(rnd.sample(words, 6)) + f"，编号{rnd.randint(1, 99999)}。" for _ in range(500)]
    return texts


def test_the_words_are_jiebas_word_for_word(stock, compact):
    for text in _corpus():
        assert list(compact.cut_for_search(text)) == list(stock.cut_for_search(text)), text
        assert list(compact.cut(text)) == list(stock.cut(text)), text
        assert list(compact.cut(text, HMM=False)) == list(stock.cut(text, HMM=False)), text


def test_frequencies_read_like_jiebas_dict(stock, compact):
    assert compact.total == stock.total
    for word in ("卫生间", "漏水", "的", "南京市", "长江大桥"):
        assert compact.FREQ.get(word) == stock.FREQ[word] > 0
        assert word in compact.FREQ
        assert compact.FREQ[word] == stock.FREQ[word]
    prefix = "卫生间漏"  # not a word: jieba's dict has no such key, or a 0 for a prefix
    assert not stock.FREQ.get(prefix)
    assert compact.FREQ.get(prefix) is None and prefix not in compact.FREQ
    assert stock.FREQ["长江大"] == 0 and compact.FREQ.get("长江大") is None


def test_the_cache_is_built_once_then_mapped(cache_dir, compact, monkeypatch):
    def no_build(*args):
        raise AssertionError("the cache should have been reused")

    monkeypatch.setattr(segmenter, "_build_apart", no_build)
    again = CompactTokenizer(cache_dir=cache_dir)
    assert again.lcut_for_search("卫生间漏水") == ["卫生", "卫生间", "漏水"]
    assert len(list(cache_dir.glob("jieba-*"))) == 2


def test_a_damaged_or_foreign_cache_is_rebuilt(cache_dir, tmp_path, stock):
    for path in cache_dir.glob("jieba-*"):
        shutil.copy(path, tmp_path / path.name)
    freq = next(tmp_path.glob("*.freq"))
    freq.write_bytes(freq.read_bytes()[:100])
    tok = CompactTokenizer(cache_dir=tmp_path)
    assert tok.lcut_for_search(TEXTS[0]) == stock.lcut_for_search(TEXTS[0])
    trie = next(tmp_path.glob("*.marisa"))
    trie.write_bytes(b"not a trie")
    tok = CompactTokenizer(cache_dir=tmp_path)
    assert tok.lcut_for_search(TEXTS[1]) == stock.lcut_for_search(TEXTS[1])
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".freq", ".marisa"]  # no temporary files left


def test_without_a_child_process_the_cache_is_built_here(tmp_path, monkeypatch, stock):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    tok = CompactTokenizer(cache_dir=tmp_path / "cache")
    assert tok.lcut_for_search(TEXTS[2]) == stock.lcut_for_search(TEXTS[2])
    assert len(list((tmp_path / "cache").glob("jieba-*"))) == 2


def test_where_no_cache_can_be_written_the_tables_stay_in_memory(tmp_path, stock):
    (tmp_path / "a-file").write_text("")
    tok = CompactTokenizer(cache_dir=tmp_path / "a-file" / "cache")  # not a folder, even for root
    assert tok.lcut_for_search(TEXTS[3]) == stock.lcut_for_search(TEXTS[3])
    assert tok.FREQ.get("投诉") == stock.FREQ["投诉"]


def test_the_dictionary_is_read_only(compact):
    with pytest.raises(NotImplementedError):
        compact.add_word("物业客服中心")
    with pytest.raises(NotImplementedError):
        compact.suggest_freq("物业", tune=True)
    with pytest.raises(ValueError):
        compact.initialize("/some/other/dict.txt")
