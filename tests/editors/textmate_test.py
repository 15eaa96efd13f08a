#!/usr/bin/env python3
"""Checks editors/textmate/lexgate.tmLanguage.json the way an editor uses it.

1. The file is valid JSON with scopeName source.lexgate and every include resolves.
2. Every regex compiles with Oniguruma itself (libonig.so.5 through ctypes; the syntax and options
   vscode-oniguruma uses), not with an approximation.
3. A small TextMate tokenizer (match and begin/end rules, captures, earliest match wins, ties go to
   the earlier rule, end pattern first) runs the grammar over tests/editors/sample.gate, the shipped
   rulesets and the examples in docs/language.md. An independent reading of the same text with the
   token classes of grammar/LexgateLexer.g4 (comments, strings, dates, jurisdiction codes, keywords)
   says what each token is; the scopes must agree: comments and strings (all three quote styles)
   whole, dates, CN-BJ codes, and every keyword (English and Chinese) where it is a keyword.
4. Specific expectations on the sample: Chinese keywords, underscored numbers, durations, citations,
   full-width punctuation, a keyword glued to a name staying a name.
Usage: textmate_test.py REPO_ROOT
"""
import ctypes
import ctypes.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
GRAMMAR = ROOT / "editors/textmate/lexgate.tmLanguage.json"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL", msg)


# ---------------------------------------------------------------- Oniguruma through ctypes
class OnigRegion(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_int), ("num_regs", ctypes.c_int),
                ("beg", ctypes.POINTER(ctypes.c_int)), ("end", ctypes.POINTER(ctypes.c_int)),
                ("history_root", ctypes.c_void_p)]


class OnigErrorInfo(ctypes.Structure):
    _fields_ = [("enc", ctypes.c_void_p), ("par", ctypes.c_void_p), ("par_end", ctypes.c_void_p)]


name = ctypes.util.find_library("onig") or "libonig.so.5"
try:
    onig = ctypes.CDLL(name)
except OSError:
    print("FAIL: Oniguruma (libonig5) is not installed; scripts/install-deps.sh installs it")
    sys.exit(1)
UTF8 = ctypes.addressof(ctypes.c_char.in_dll(onig, "OnigEncodingUTF8"))
SYNTAX = ctypes.c_void_p.in_dll(onig, "OnigDefaultSyntax").value
ONIG_OPTION_CAPTURE_GROUP = 1 << 8  # what vscode-oniguruma passes
encs = (ctypes.c_void_p * 1)(UTF8)
onig.onig_initialize(encs, 1)
onig.onig_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint,
                          ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(OnigErrorInfo)]
onig.onig_search.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                             ctypes.c_char_p, ctypes.POINTER(OnigRegion), ctypes.c_uint]
onig.onig_region_new.restype = ctypes.POINTER(OnigRegion)
onig.onig_error_code_to_str.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(OnigErrorInfo)]


class Regex:
    def __init__(self, pattern):
        self.pattern = pattern
        self.bytes = pattern.encode("utf-8")
        self.reg = ctypes.c_void_p()
        info = OnigErrorInfo()
        buf = ctypes.create_string_buffer(self.bytes)  # keep alive: onig_new reads it
        r = onig.onig_new(ctypes.byref(self.reg), buf, ctypes.c_char_p(ctypes.addressof(buf) + len(self.bytes)),
                          ONIG_OPTION_CAPTURE_GROUP, UTF8, SYNTAX, ctypes.byref(info))
        if r != 0:
            msg = ctypes.create_string_buffer(256)
            onig.onig_error_code_to_str(msg, r, ctypes.byref(info))
            raise ValueError(msg.value.decode())
        self.region = onig.onig_region_new()

    def search(self, data, buf, start):
        """First match at or after byte `start` of `data` (bytes in ctypes buffer `buf`): list of (beg, end)."""
        base = ctypes.addressof(buf)
        end = ctypes.c_char_p(base + len(data))
        r = onig.onig_search(self.reg, ctypes.c_char_p(base), end, ctypes.c_char_p(base + start), end,
                             self.region, 0)
        if r < 0:
            return None
        reg = self.region.contents
        return [(reg.beg[i], reg.end[i]) for i in range(reg.num_regs)]


# ---------------------------------------------------------------- 1. the grammar file
try:
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
except (OSError, ValueError) as e:
    print("FAIL: grammar is not valid JSON:", e)
    sys.exit(1)
if grammar.get("scopeName") != "source.lexgate":
    fail("scopeName is not source.lexgate")
if "gate" not in grammar.get("fileTypes", []):
    fail("fileTypes does not list gate")
repo = grammar.get("repository", {})

# the VS Code extension manifest points at this grammar and declares the language
try:
    pkg = json.loads((ROOT / "editors/vscode/package.json").read_text(encoding="utf-8"))
    conf = json.loads((ROOT / "editors/vscode/language-configuration.json").read_text(encoding="utf-8"))
    lang = pkg["contributes"]["languages"][0]
    gram = pkg["contributes"]["grammars"][0]
    if ".gate" not in lang["extensions"] or gram["language"] != lang["id"]:
        fail("editors/vscode/package.json: the language does not claim .gate")
    if gram["scopeName"] != grammar.get("scopeName"):
        fail("editors/vscode/package.json: scopeName differs from the grammar's")
    target = (ROOT / "editors/vscode" / gram["path"]).resolve()
    if target != GRAMMAR:
        fail(f"editors/vscode/package.json: grammar path resolves to {target}, not {GRAMMAR}")
    if conf["comments"]["lineComment"] != "#":
        fail("language-configuration.json: line comments are '#'")
except (OSError, ValueError, KeyError, IndexError) as e:
    fail(f"editors/vscode manifest: {e!r}")

# ---------------------------------------------------------------- 2. every regex compiles
compiled = {}
count = 0


def walk(rule, where):
    global count
    for key in ("match", "begin", "end"):
        if key in rule:
            try:
                compiled[rule[key]] = Regex(rule[key])
                count += 1
            except ValueError as e:
                fail(f"{where}.{key}: /{rule[key]}/ does not compile with Oniguruma: {e}")
    if "include" in rule:
        inc = rule["include"]
        if not (inc.startswith("#") and inc[1:] in repo) and inc not in ("$self", "$base"):
            fail(f"{where}: include {inc} does not resolve")
    for i, p in enumerate(rule.get("patterns", [])):
        walk(p, f"{where}.patterns[{i}]")


walk({"patterns": grammar.get("patterns", [])}, "grammar")
for k, v in repo.items():
    walk(v, f"repository.{k}")
if failures:
    sys.exit(1)


# ---------------------------------------------------------------- 3. a TextMate tokenizer
def expand(patterns):
    out = []
    for p in patterns:
        if "include" in p:
            inc = p["include"]
            out += expand(grammar["patterns"] if inc in ("$self", "$base") else [repo[inc[1:]]])
        elif "match" in p or "begin" in p:
            out.append(p)
        else:
            out += expand(p.get("patterns", []))
    return out


TOP = expand(grammar["patterns"])
TOP_CANDS = [("rule", r) for r in TOP]
INNER = {}


def tokenize_line(line):
    """Scopes per byte of one line (a list of lists of scope names). This grammar's begin/end rules
    all end at the end of a line at the latest, so no state crosses lines."""
    data = line.encode("utf-8")
    buf = ctypes.create_string_buffer(data)
    scopes = [[] for _ in data]
    stack = []  # open begin/end rules

    def paint(a, b, name):
        for i in range(a, min(b, len(data))):
            scopes[i].append(name)

    cache = {}  # pattern → leftmost match at or after the position it was searched from (still valid later)

    def search(pat, pos):
        hit = cache.get(pat, False)
        if hit is not False and (hit is None or hit[0][0] >= pos):
            return hit
        cache[pat] = compiled[pat].search(data, buf, pos)
        return cache[pat]

    pos = 0
    while pos <= len(data):
        if stack:
            key = id(stack[-1])
            if key not in INNER:
                INNER[key] = [("end", stack[-1])] + [("rule", r) for r in expand(stack[-1].get("patterns", []))]
            cands = INNER[key]
        else:
            cands = TOP_CANDS
        best = None
        for kind, r in cands:  # the earliest match wins; on a tie the earlier rule (the end pattern first)
            pat = r["end"] if kind == "end" else r.get("match", r.get("begin"))
            m = search(pat, pos)
            if m and (best is None or m[0][0] < best[2][0][0]):
                best = (kind, r, m)
        if best is None:
            if stack:
                paint(pos, len(data), stack[-1]["name"])
            break
        kind, r, m = best
        a, b = m[0]
        if stack:
            paint(pos, b, stack[-1]["name"])  # the open rule's name covers everything up to its end
        if kind == "end":
            stack.pop()
        else:
            if "name" in r and kind == "rule":
                paint(a, b, r["name"])
            for idx, cap in r.get("captures", r.get("beginCaptures", {})).items():
                i = int(idx)
                if i < len(m) and m[i][0] >= 0 and "name" in cap:
                    paint(m[i][0], m[i][1], cap["name"])
            if "begin" in r:
                stack.append(r)
        pos = b if b > a else a + 1
    return data, scopes


# ---------------------------------------------------------------- the lexer's view (grammar/LexgateLexer.g4)
HARD = ["ruleset", "规则集", "rule", "规则", "when", "当", "then", "则", "must_not", "不得", "must", "必须",
        "should", "应", "may", "可以", "exempt", "豁免", "exception", "例外", "and", "且", "并且", "or", "或",
        "或者", "not", "非", "in", "属于", "true", "真", "false", "假", "null", "some", "存在"]
# hard keywords that the parser also accepts as names (field names, types)
HARD_NAMES = ["test", "测试", "expect", "期望", "schema", "模式", "record", "记录", "enum", "枚举", "group", "组",
              "calendar", "日历", "jurisdiction", "法域"]
SOFT = ["title", "标题", "authority", "机关", "force", "效力", "effective", "生效", "expires", "失效", "binding",
        "约束力", "source", "来源", "version", "版本", "applies", "适用", "to", "于", "where", "其中", "cite", "引用",
        "art", "条", "para", "款", "item", "项", "one_of", "之一", "all_of", "全部", "before", "之前", "within",
        "以内", "after", "之后", "satisfied", "满足", "says", "表述", "since", "自从", "last", "过去", "case", "案例",
        "as_of", "截至", "fires", "触发", "requires", "要求", "missing", "缺少", "exempted", "已豁免", "due", "到期",
        "action", "行为", "event", "事件", "list", "列表", "of", "的", "name", "名称", "from", "自", "until", "直至",
        "note", "备注", "weekend", "周末", "year", "年度", "notice", "通知", "holiday", "假日", "workday", "调休上班",
        "counted_on", "日历为", "with", "参数", "zone", "时区", "unadjusted", "不顺延", "working_days", "工作日",
        "days", "日", "months", "个月", "years", "年"]
LEX = re.compile(r"""
  (?P<comment>\#[^\r\n]*)
| (?P<string>"(?:\\[^\r\n]|[^"\\\r\n])*"|“(?:\\[^\r\n]|[^”\\\r\n])*”|「(?:\\[^\r\n]|[^」\\\r\n])*」)
| (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})
| (?P<decimal>[0-9](?:_?[0-9])*\.[0-9]+)
| (?P<int>[0-9](?:_?[0-9])*)
| (?P<jcode>[A-Z][A-Z]-[A-Z0-9]+)
| (?P<ident>[^\W\d]\w*)
| (?P<ws>\s+)
| (?P<other>.)
""", re.X)


def lex_line(line):
    out = []
    for m in LEX.finditer(line):
        kind = m.lastgroup
        if kind == "ident" and (m.group() in HARD or m.group() in HARD_NAMES or m.group() in SOFT):
            kind = "keyword"
        out.append((kind, m.start(), m.end(), m.group()))
    return out


KEYWORD_SCOPE = re.compile(r"^(storage\.type|keyword\.|constant\.language)")


def check_text(label, text, stats):
    for lineno, line in enumerate(text.split("\n"), 1):
        data, scopes = tokenize_line(line)
        toks = lex_line(line)
        for i, (kind, a, b, word) in enumerate(toks):
            ba = len(line[:a].encode("utf-8"))
            bb = len(line[:b].encode("utf-8"))
            span = scopes[ba:bb]
            where = f"{label}:{lineno}: {word!r}"
            if kind == "comment":
                stats["comment"] += 1
                if not all(any(s.startswith("comment.line") for s in sc) for sc in span):
                    fail(f"{where} is a comment but is scoped {span[0]}")
            elif kind == "string":
                stats["string"] += 1
                if not all(any(s.startswith("string.quoted") for s in sc) for sc in span):
                    fail(f"{where} is a string but is scoped {span[0]} / {span[-1]}")
            elif kind == "date":
                stats["date"] += 1
                if "constant.numeric.date.lexgate" not in span[0]:
                    fail(f"{where} is a date but is scoped {span[0]}")
            elif kind == "jcode":
                stats["jcode"] += 1
                if "constant.other.jurisdiction.lexgate" not in span[0]:
                    fail(f"{where} is a jurisdiction code but is scoped {span[0]}")
            elif kind in ("int", "decimal"):
                stats["number"] += 1
                if not any(s.startswith("constant.numeric") for s in span[0]):
                    fail(f"{where} is a number but is scoped {span[0]}")
            elif kind == "keyword":
                prev = line[:a].rstrip()
                after_dot = prev.endswith(".")
                before_colon = re.match(r"\s*[:：]", line[b:]) is not None
                # a hard keyword is always a keyword; one that may be a name is a keyword unless it is
                # written as a name (after '.', or as a field / case key before ':')
                if word in HARD or not (after_dot or before_colon):
                    stats["keyword"] += 1
                    if any(ord(c) > 127 for c in word):
                        stats["keyword_zh"] += 1
                    if not any(KEYWORD_SCOPE.match(s) for s in span[0]):
                        fail(f"{where} is a keyword but is scoped {span[0]}")
                elif after_dot and any(s.startswith("keyword") or s.startswith("storage") for s in span[0]):
                    fail(f"{where} is a field name after '.', but is scoped {span[0]}")


stats = {k: 0 for k in ("comment", "string", "date", "jcode", "number", "keyword", "keyword_zh")}
sample = ROOT / "tests/editors/sample.gate"
check_text("sample.gate", sample.read_text(encoding="utf-8"), stats)
files = sorted((ROOT / "rulesets").rglob("*.gate"))
for f in files:
    check_text(str(f.relative_to(ROOT)), f.read_text(encoding="utf-8"), stats)
doc = (ROOT / "docs/language.md").read_text(encoding="utf-8")
for n, block in enumerate(re.findall(r"```gate\n(.*?)```", doc, re.S), 1):
    check_text(f"docs/language.md block {n}", block, stats)
print(f"{count} patterns compile with Oniguruma; checked {len(files)} shipped rulesets, the sample and the docs: "
      + ", ".join(f"{k} {v}" for k, v in stats.items()))
if stats["keyword_zh"] < 20 or stats["comment"] < 10 or stats["string"] < 10:
    fail("too few Chinese keywords, comments or strings were checked: " + repr(stats))


# ---------------------------------------------------------------- 4. specific expectations on the sample
def scope_at(line, needle, nth=0, offset=0):
    data, scopes = tokenize_line(line)
    idx = -1
    for _ in range(nth + 1):
        idx = line.index(needle, idx + 1)
    return scopes[len(line[:idx + offset].encode("utf-8"))]


def expect(line, needle, scope, nth=0, offset=0):
    got = scope_at(line, needle, nth, offset)
    if scope not in got:
        fail(f"in {line.strip()!r}: {needle!r} should be {scope}, is {got}")


def expect_not(line, needle, prefix):
    got = scope_at(line, needle)
    if any(s.startswith(prefix) for s in got):
        fail(f"in {line.strip()!r}: {needle!r} should not be {prefix}*, is {got}")


expect("规则集 demo.zh {", "规则集", "storage.type.ruleset.lexgate")
expect("规则集 demo.zh {", "demo.zh", "entity.name.namespace.ruleset.lexgate")
expect("规则 敏感信息 例外 于 other_rule {", "敏感信息", "entity.name.function.rule.lexgate")
expect("规则 敏感信息 例外 于 other_rule {", "例外", "keyword.control.exception.lexgate")
expect("  当 data.subjects.personal >= 1_000_000", "当", "keyword.control.lexgate")
expect("  当 data.subjects.personal >= 1_000_000", "1_000_000", "constant.numeric.lexgate")
expect("  当 data.subjects.personal >= 1_000_000", "personal", "variable.other.property.lexgate")
expect("  则 必须 之一 { standard_contract， certification }", "必须", "keyword.other.modality.lexgate")
expect("  则 必须 之一 { standard_contract， certification }", "，", "punctuation.separator.comma.lexgate")
expect("  则 不得 transfer", "不得", "keyword.other.modality.lexgate")
expect("  引用 条 8 款 2", "条", "keyword.other.citation.lexgate")
expect("  引用 条 8 款 2", "8", "constant.numeric.citation.lexgate")
expect('  cite "Other Act" art 3 para 1', "Other", "string.quoted.double.lexgate")
expect('  cite "Other Act" art 3 para 1', "3", "constant.numeric.citation.lexgate")
expect("  then must x within 10 working_days after signed", "10", "constant.numeric.integer.lexgate")
expect("  then must x within 10 working_days after signed", "working_days", "keyword.other.unit.lexgate")
expect("  则 必须 x 以内 10 工作日 之后 signed", "工作日", "keyword.other.unit.lexgate")
expect("  case { exporter: { jurisdiction: CN-BJ }, date: 2025-06-10 }", "CN-BJ", "constant.other.jurisdiction.lexgate")
expect("  case { exporter: { jurisdiction: CN-BJ }, date: 2025-06-10 }", "2025-06-10", "constant.numeric.date.lexgate")
expect("  case { exporter: { jurisdiction: CN-BJ }, date: 2025-06-10 }", "jurisdiction", "variable.other.property.lexgate")
expect("  表述 zh “敏感个人信息出境。” en \"x\"", "敏感", "string.quoted.double.fullwidth.lexgate")
expect("  表述 zh 「含\\」引号」", "\\」", "constant.character.escape.lexgate")
expect("  表述 zh 「含\\」引号」", "引号", "string.quoted.corner.lexgate")
expect("  when a > 50％ # 注释 rule when", "rule", "comment.line.number-sign.lexgate")
expect("  when a > 50％ # 注释 rule when", "50％", "constant.numeric.lexgate")
expect("  当（a 属于 EU）且 非 b", "（", "punctuation.section.parens.lexgate")
expect("  当（a 属于 EU）且 非 b", "属于", "keyword.operator.logical.lexgate")
expect("  当（a 属于 EU）且 非 b", "且", "keyword.operator.logical.lexgate")
expect("测试 “一人即需合同” ｛", "测试", "storage.type.test.lexgate")
expect("测试 “一人即需合同” ｛", "｛", "punctuation.section.braces.lexgate")
expect("  期望 要求 standard_contract", "期望", "keyword.other.test.lexgate")
expect("  when recipient.group == x", "group", "variable.other.property.lexgate")
expect_not("  当出口方.ciio", "当出口方", "keyword")  # glued: one identifier, as the lexer reads it
expect_not("  条8", "条8", "keyword")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("textmate grammar: OK")
