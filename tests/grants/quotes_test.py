#!/usr/bin/env python3
"""Every quote of the shipped rule files is in its source page, read without the engine.

For each rule file of scenarios/grants/ whose source is a saved page (a file of ../shared/sources),
every table holding a `quote` is found (Python's own TOML reader), its source resolved (the table's
`source`, else the file's [source] file), and the quote looked up in the page with whitespace and
typographic apostrophes / double quotes normalised. Also: a `confirmed` or `derived` fact has a
quote; a confirmed number (a parameter's value, a check's count and total) is written in its quote;
a confirmed list has each item in its quote. The checker is run on a misquote first, to show it
can fail.

Usage: quotes_test.py SOURCE_DIR
"""
import pathlib
import re
import sys
import tomllib

SAME = {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}


def normalise(text):
    for a, b in SAME.items():
        text = text.replace(a, b)
    return " ".join(text.split())


def number_in(value, quote):
    """True when the number is written in the quote (French thousands spaces allowed)."""
    digits = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)", "", quote)
    want = f"{value:g}" if isinstance(value, float) and not value.is_integer() else str(int(value))
    return re.search(rf"(?<![\d,.]){re.escape(want)}(?![\d])", digits) is not None


def tables(node, path=""):
    """Every table of a TOML document with its dotted path (arrays of tables included)."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from tables(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from tables(v, f"{path}[{i}]")


def check(rule_file, doc, pages):
    """Problems of one rule file, and the number of quotes found in their pages."""
    problems, found = [], 0
    default = doc.get("source", {}).get("file", "")
    for path, t in tables(doc):
        confidence = t.get("confidence", "")
        quote = t.get("quote")
        if confidence in ("confirmed", "derived") and not quote:
            problems.append(f"{path}: {confidence} without a quote")
        if quote is None:
            continue
        source = t.get("source", default)
        if source.startswith("http"):
            continue
        page = (rule_file.parent / source).resolve()
        if page not in pages:
            problems.append(f"{path}: the source {source} is not a saved page")
            continue
        if normalise(quote) not in pages[page]:
            problems.append(f"{path}: quote not in {page.name}: {quote!r}")
            continue
        found += 1
        if confidence != "confirmed":
            continue
        for key in ("value", "awarded_count", "total"):
            v = t.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not number_in(v, quote):
                problems.append(f"{path}: confirmed {key} {v} is not written in its quote {quote!r}")
            if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                for item in v:
                    if item.lower().replace("_", " ").replace("-", " ") not in normalise(quote).lower().replace("-", " "):
                        problems.append(f"{path}: confirmed item {item!r} is not written in its quote {quote!r}")
    return problems, found


def main():
    src = pathlib.Path(sys.argv[1])
    shared = (src / ".." / "shared" / "sources").resolve()
    pages = {p.resolve(): normalise(p.read_text(encoding="utf-8")) for p in shared.glob("*.txt")}
    assert len(pages) == 5, f"expected the 5 pages of {shared}, found {len(pages)}"

    # The checker fails on a misquote, an unquoted confirmed fact and a number its quote does not state.
    page = next(iter(sorted(pages)))
    fake = src / "scenarios" / "grants" / "fake.toml"
    rel = str(pathlib.Path("..", "..", "..", "shared", "sources", page.name))
    bad = {"source": {"file": rel}, "parameters": {
        "a": {"value": 1, "confidence": "confirmed", "quote": "words that no page holds"},
        "b": {"value": 2, "confidence": "confirmed"},
        "c": {"value": 987654, "confidence": "confirmed", "quote": pages[page][:40]}}}
    problems, _ = check(fake, bad, pages)
    assert len(problems) == 3, problems

    files = sorted((src / "scenarios" / "grants").glob("*.toml"))
    assert len(files) == 9, [f.name for f in files]
    total, used, failures = 0, set(), []
    for f in files:
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        assert doc.get("format") == 2, f"{f.name}: format {doc.get('format')}"
        source = doc["source"].get("file", "")
        assert source, f"{f.name}: its [source] is not a saved page"
        used.add((f.parent / source).resolve())
        problems, found = check(f, doc, pages)
        failures += [f"{f.name}: {p}" for p in problems]
        assert found > 0, f"{f.name}: no quote found"
        print(f"{f.name}: {found} quotes found in {pathlib.Path(source).name}")
        total += found
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    assert used == set(pages), f"pages no rule file quotes: {sorted(p.name for p in set(pages) - used)}"
    print(f"quotes: {total} found in the 5 pages, 9 rule files")


if __name__ == "__main__":
    main()
