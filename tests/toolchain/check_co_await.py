#!/usr/bin/env python3
"""Checks the GCC 12 coroutine rule (docs/compiler-notes.md) over the project's C++ sources.

Every `co_await` must be its own statement into a named variable: never inside a conditional
expression (`c ? co_await a : b`, or as the condition), never inside a braced initializer
(`T{co_await a}`), and never as one argument among others in a call (`f(x, co_await a)`),
at any nesting depth up to the statement. `co_return co_await f(x, y);`,
`auto r = co_await f(a, b);` and lambdas inside arguments (whose bodies are statements) are fine.

    check_co_await.py SOURCE_DIR     report violations as file:line, exit 1 if any
    check_co_await.py --self-test    check the checker against known good and bad snippets
"""
import os
import re
import sys

SKIP_DIRS = {"node_modules", "admin-ui", "agent-ui", "docs", "scripts"}
OPEN = {"(": ")", "[": "]", "{": "}"}
CLOSE = {v: k for k, v in OPEN.items()}
# What precedes a `{` that opens a block rather than a braced initializer.
BLOCK_BEFORE = {")", ";", "{", "}", ":", "else", "do", "try", "const", "noexcept", "override",
                "mutable", "final"}


def blank_comments_and_strings(text):
    """The text with comments, string and character literals replaced by spaces (newlines
    kept, so offsets and line numbers stay valid)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c == "R" and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            if not m:
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            blank(i, end)
            i = end
        elif c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i, min(j + 1, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


def match_brackets(code):
    """opener offset -> closer offset, and closer -> opener."""
    pairs, stack = {}, []
    for i, c in enumerate(code):
        if c in OPEN:
            stack.append(i)
        elif c in CLOSE:
            # Tolerate unbalanced code (macros): pop to the matching kind.
            while stack and code[stack[-1]] != CLOSE[c]:
                stack.pop()
            if stack:
                o = stack.pop()
                pairs[o] = i
                pairs[i] = o
    return pairs


def top_level(code, pairs, start, end):
    """Characters of code[start:end] that are not inside nested brackets, with offsets."""
    i = start
    while i < end:
        c = code[i]
        if c in OPEN and i in pairs:
            yield i, c
            i = pairs[i] + 1
            continue
        yield i, c
        i += 1


def split_args(code, pairs, start, end):
    """Top-level comma-separated pieces of code[start:end]; commas inside <...> of a
    template-id are not separators (a `<` right after a name, closed before any `;`)."""
    pieces, piece_start, angle = [], start, 0
    for i, c in top_level(code, pairs, start, end):
        if c == "<" and re.search(r"[A-Za-z0-9_]\s*$", code[piece_start:i]) and not code[i - 1] == "<" and (i + 1 >= end or code[i + 1] not in "<="):
            angle += 1
        elif c == ">" and angle > 0 and code[i - 1] != "-":
            angle -= 1
        elif c == "," and angle == 0:
            pieces.append((piece_start, i))
            piece_start = i + 1
    pieces.append((piece_start, end))
    return [(a, b) for a, b in pieces if code[a:b].strip()]


def enclosing_opener(code, pairs, pos):
    i = pos - 1
    while i >= 0:
        c = code[i]
        if c in CLOSE and i in pairs:
            i = pairs[i] - 1
            continue
        if c in OPEN:
            return i
        i -= 1
    return -1


def has_top_level(code, pairs, start, end, chars):
    return any(c in chars for _, c in top_level(code, pairs, start, end))


def statement_start(code, pairs, opener_end, pos):
    """Start of the statement holding pos within the block/paren that starts after opener_end."""
    i = pos - 1
    while i > opener_end:
        c = code[i]
        if c in CLOSE and i in pairs:
            # A block `{...}` (holding statements) ends the previous statement.
            if c == "}" and has_top_level(code, pairs, pairs[i] + 1, i, ";"):
                return i + 1
            i = pairs[i] - 1
            continue
        if c == ";":
            return i + 1
        i -= 1
    return opener_end + 1


def check(code, pos):
    """The rule broken by the co_await at `pos`, or None."""
    pairs = match_brackets_cache[id(code)]
    inner = pos
    while True:
        o = enclosing_opener(code, pairs, inner)
        close = pairs.get(o, len(code)) if o >= 0 else len(code)
        region_start = o + 1
        is_block = o < 0 or (code[o] in "({" and has_top_level(code, pairs, o + 1, close, ";"))
        if not is_block and code[o] == "{":
            # A body after `)`, `else`, `do`, ... holds statements even without a `;` of
            # its own at the top level (`if (c) { g(); }`).
            before = re.search(r"(\w+|\S)\s*$", code[:o])
            is_block = before is None or before.group(1) in BLOCK_BEFORE
        if is_block:
            region_start = statement_start(code, pairs, o, inner)
            stmt_end = close
            for i, c in top_level(code, pairs, inner, close):
                if c == ";":
                    stmt_end = i
                    break
            if has_top_level(code, pairs, region_start, stmt_end, "?"):
                return "inside a conditional expression"
            return None
        if has_top_level(code, pairs, region_start, close, "?"):
            return "inside a conditional expression"
        if code[o] == "{":
            return "inside a braced initializer"
        if code[o] == "(" and len(split_args(code, pairs, o + 1, close)) > 1:
            return "one argument among others"
        inner = o


match_brackets_cache = {}


def violations(text):
    code = blank_comments_and_strings(text)
    match_brackets_cache[id(code)] = match_brackets(code)
    found = []
    for m in re.finditer(r"\bco_await\b", code):
        why = check(code, m.start())
        if why:
            found.append((code.count("\n", 0, m.start()) + 1, why))
    del match_brackets_cache[id(code)]
    return found


GOOD = [
    "auto r = co_await f(a, b);",
    "co_return co_await f(x, y);",
    "auto [ec, n] = co_await s.async_read(buf, net::as_tuple(net::use_awaitable));",
    "if (co_await ready()) { go(); }",
    "while (!(co_await more())) {}",
    "co_spawn(ex, [&]() -> net::awaitable<void> { auto r = co_await g(1, 2); use(r); }, detached);",
    "auto v = co_await make<std::pair<int, int>>(a);",
    "auto t = x ? y : z; auto r = co_await f(t);",
    "auto r = co_await f(c ? a : b);",
    "std::string s = \"? co_await\"; // a ? co_await b : c",
    "auto r = co_await (timer.async_wait() || read());",
    "for (auto& x : xs) { auto r = co_await f(x); }",
    "switch (k) { case 1: co_await f(); break; }",
    "int n = 1'000; auto r = co_await f(n);",
    "auto r = co_await g(a < b, c);",
]
BAD = [
    ("auto r = c ? co_await a() : co_await b();", "conditional"),
    ("auto r = (co_await ready()) ? 1 : 2;", "conditional"),
    ("auto p = pair{co_await a(), 1};", "braced"),
    ("out.push_back({co_await a(), b});", "braced"),
    ("use(x, co_await f());", "argument"),
    ("use(co_await f(), std::string(\"t\"));", "argument"),
    ("h(g(1, co_await f()));", "argument"),
    ("return T{ .a = co_await f() };", "braced"),
    ("co_return c ? co_await a() : b;", "conditional"),
]


def self_test():
    failures = 0
    for snippet in GOOD:
        got = violations("void f() { " + snippet + " }\n")
        if got:
            print(f"self-test: false positive {got} in: {snippet}")
            failures += 1
    for snippet, kind in BAD:
        got = violations("void f() { " + snippet + " }\n")
        if not got or kind not in got[0][1].replace("one argument", "argument"):
            print(f"self-test: missed ({kind}) in: {snippet} -> {got}")
            failures += 1
    print("self-test:", "FAILED" if failures else "ok", f"({len(GOOD)} good, {len(BAD)} bad)")
    return 1 if failures else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = argv[1]
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "build")) and d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith((".cpp", ".hpp")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for line, why in violations(text):
                shown = os.path.normpath(os.path.join(rel, name))
                print(f"{shown}:{line}: co_await {why}: "
                      f"{text.splitlines()[line - 1].strip()}")
                total += 1
    if total:
        print(f"{total} co_await(s) break the GCC 12 coroutine rule; see docs/compiler-notes.md")
        return 1
    print("every co_await is its own statement")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
