#!/usr/bin/env python3
"""Drives `lexgate lsp` over stdio with JSON-RPC 2.0 as an editor does.

A workspace (in a directory with a Chinese name, so URIs are percent-encoded) holds vocab.gate (a record,
a schema field, a group) and rules.gate (a ruleset, rules, a test). The test opens rules.gate with an
error, fixes it with didChange, asks hover on a rule name that has non-ASCII text (one character outside
the BMP) before it on its line, asks definition of a group and of a schema field declared in the other
file, sends malformed messages and an unknown method, then shuts down and exits.
Positions are checked against UTF-16 offsets computed here from the text.
Usage: lsp_test.py LEXGATE_BINARY
"""
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LEXGATE = str(Path(sys.argv[1]).resolve())
TIMEOUT = float(os.environ.get("LSP_TEST_TIMEOUT", "60"))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def u16(s):
    return len(s.encode("utf-16-le")) // 2


def pos_of(text, needle, nth=0, offset=0):
    """LSP position (UTF-16) of the nth occurrence of needle in text."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    idx += offset
    line = text.count("\n", 0, idx)
    start = text.rfind("\n", 0, idx) + 1
    return {"line": line, "character": u16(text[start:idx])}


def range_of(text, needle, nth=0):
    a = pos_of(text, needle, nth)
    return {"start": a, "end": {"line": a["line"], "character": a["character"] + u16(needle)}}


VOCAB = """# Test vocabulary: merged into the shipped schema.
record widget {
  size: count      # how many units the widget holds
  colour: string
}
schema { gadget: widget }
group TESTGRP name en "Test group" zh "测试组" { DE, FR from 2021-01-01 }
"""

RULES_BAD = """ruleset test.lsp {
  title     en "Test Act"
  authority XX.TEST
  jurisdiction CN
  force     departmental_rule
  effective 2024-01-01
  binding   true
  applies to transfer where exporter.jurisdiction in CN
}

rule big_rule {
  cite art 7 para 2
  when gadget.sise > 3 and recipient.jurisdiction in TESTGRP
  then must security_assessment before transfer
}

rule 𠀀数据 exception to big_rule {
  cite art 8
  when gadget.colour == "red"
  then exempt
}
"""
RULES_GOOD = RULES_BAD.replace("gadget.sise", "gadget.size")


class Server:
    def __init__(self, root, locale="en"):
        self.proc = subprocess.Popen([LEXGATE, "lsp", "--locale", locale], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root)
        self.q = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.q.put(json.loads(body.decode("utf-8")))

    def raw(self, body: bytes, header=None):
        header = header if header is not None else f"Content-Length: {len(body)}\r\n\r\n".encode()
        self.proc.stdin.write(header + body)
        self.proc.stdin.flush()

    def send(self, msg):
        self.raw(json.dumps(msg, ensure_ascii=False).encode("utf-8"))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m, f"reply to {method}")

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred, what):
        deadline = time.time() + TIMEOUT
        while True:
            left = deadline - time.time()
            try:
                m = self.q.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise SystemExit(f"FAIL timed out waiting for {what}")
            if m is None:
                raise SystemExit(f"FAIL server closed its output while waiting for {what}: "
                                 + self.proc.stderr.read().decode(errors="replace"))
            if pred(m):
                return m


def diagnostics_for(srv, uri):
    return srv.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri,
                    f"diagnostics for {uri}")["params"]["diagnostics"]


start = time.time()
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "规则 工作区"
    root.mkdir()
    (root / "vocab.gate").write_text(VOCAB, encoding="utf-8")
    (root / "rules.gate").write_text(RULES_GOOD, encoding="utf-8")  # the disk copy is fine; the editor's is not
    vocab_uri = (root / "vocab.gate").as_uri()
    rules_uri = (root / "rules.gate").as_uri()
    check("%E8%A7%84" in rules_uri, "the workspace URI is percent-encoded")
    srv = Server(root)

    # requests before initialize are refused
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": {"line": 0, "character": 0}})
    check(r.get("error", {}).get("code") == -32002, f"hover before initialize: ServerNotInitialized, got {r}")

    r = srv.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                   "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}], "capabilities": {}})
    caps = r["result"]["capabilities"]
    check(caps.get("hoverProvider") is True and caps.get("definitionProvider") is True, f"capabilities: {caps}")
    check(caps.get("textDocumentSync", {}).get("change") == 1, "full document sync")
    srv.notify("initialized", {})

    # 1. didOpen with an error: LG2002 on the misspelt field, as a UTF-16 range
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": rules_uri, "languageId": "lexgate", "version": 1,
                                                         "text": RULES_BAD}})
    diags = diagnostics_for(srv, rules_uri)
    codes = [d["code"] for d in diags]
    check(codes == ["LG2002"], f"didOpen: one LG2002 diagnostic, got {codes}: {diags}")
    if diags:
        d = diags[0]
        check(d["severity"] == 1, "error severity")
        check("sise" in d["message"] and "widget" in d["message"], f"message names the field: {d['message']}")
        check(d["range"] == range_of(RULES_BAD, "sise") or d["range"] == range_of(RULES_BAD, "gadget.sise"),
              f"LG2002 range {d['range']}, expected {range_of(RULES_BAD, 'sise')}")

    # 2. didChange fixes it: the diagnostics are cleared
    srv.notify("textDocument/didChange", {"textDocument": {"uri": rules_uri, "version": 2},
                                          "contentChanges": [{"text": RULES_GOOD}]})
    diags = diagnostics_for(srv, rules_uri)
    check(diags == [], f"didChange: diagnostics cleared, got {diags}")

    # 3. hover on big_rule after 'rule 𠀀数据 exception to ' (𠀀 is two UTF-16 units, 4 UTF-8 bytes)
    line = "rule 𠀀数据 exception to big_rule {"
    p = pos_of(RULES_GOOD, "big_rule", nth=1, offset=3)
    check(p["character"] == 26, f"test's own UTF-16 arithmetic: {p}")
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": p})
    res = r.get("result") or {}
    value = res.get("contents", {}).get("value", "")
    check("Test Act art 7 para 2" in value, f"hover shows the citation: {value!r}")
    check("test.lsp" in value and "binding" in value and "must" in value, f"hover shows ruleset, binding, modality: {value!r}")
    check(res.get("range") == range_of(RULES_GOOD, "big_rule", nth=1), f"hover range {res.get('range')}, expected "
          f"{range_of(RULES_GOOD, 'big_rule', nth=1)}")

    # definition of the rule from the exception: its declaration in the same file
    r = srv.request("textDocument/definition", {"textDocument": {"uri": rules_uri}, "position": p})
    check(r.get("result") == {"uri": rules_uri, "range": range_of(RULES_GOOD, "big_rule")}, f"rule definition: {r}")

    # 4. definition of a group and of a schema field declared in the other (unopened) file
    p = pos_of(RULES_GOOD, "TESTGRP", offset=2)
    r = srv.request("textDocument/definition", {"textDocument": {"uri": rules_uri}, "position": p})
    check(r.get("result") == {"uri": vocab_uri, "range": range_of(VOCAB, "TESTGRP")}, f"group definition: {r}")
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": p})
    value = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("Test group" in value and "DE" in value and "FR" in value and "2 members" in value, f"group hover: {value!r}")

    p = pos_of(RULES_GOOD, "gadget.size", offset=8)
    r = srv.request("textDocument/definition", {"textDocument": {"uri": rules_uri}, "position": p})
    check(r.get("result") == {"uri": vocab_uri, "range": range_of(VOCAB, "size")}, f"field definition: {r}")
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": p})
    value = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("widget.size" in value and "count" in value and "how many units" in value, f"field hover: {value!r}")
    p = pos_of(RULES_GOOD, "gadget.size", offset=1)
    r = srv.request("textDocument/definition", {"textDocument": {"uri": rules_uri}, "position": p})
    check(r.get("result") == {"uri": vocab_uri, "range": range_of(VOCAB, "gadget")}, f"schema field definition: {r}")
    p = pos_of(RULES_GOOD, "jurisdiction CN", offset=14)
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": p})
    value = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("China" in value, f"jurisdiction hover names the country: {value!r}")
    # nothing at a keyword
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}, "position": {"line": 0, "character": 1}})
    check("result" in r and r["result"] is None, f"hover on a keyword is null: {r}")

    # 5. malformed messages get JSON-RPC errors and the server keeps going
    srv.raw(b'{"jsonrpc": "2.0", "id": 99, "method": ')
    r = srv.wait(lambda m: "error" in m, "parse error")
    check(r["error"]["code"] == -32700 and r["id"] is None, f"malformed JSON: {r}")
    srv.raw(b"", header=b"Content-Type: application/vscode-jsonrpc\r\n\r\n")  # a header block without a length
    r = srv.wait(lambda m: "error" in m, "missing Content-Length")
    check(r["error"]["code"] == -32700, f"missing Content-Length: {r}")
    srv.send({"jsonrpc": "2.0", "id": 100, "params": {}})
    r = srv.wait(lambda m: "error" in m, "invalid request")
    check(r["error"]["code"] == -32600 and r["id"] == 100, f"no method: {r}")
    srv.notify("$/unknownNotification", {"x": 1})  # ignored: no reply
    r = srv.request("workspace/noSuchThing", {})
    check(r.get("error", {}).get("code") == -32601, f"unknown method: {r}")
    r = srv.request("textDocument/hover", {"textDocument": {"uri": rules_uri}})
    check(r.get("error", {}).get("code") == -32602, f"hover without a position: {r}")

    # 6. didClose clears the document's diagnostics; shutdown, exit → 0
    srv.notify("textDocument/didClose", {"textDocument": {"uri": rules_uri}})
    check(diagnostics_for(srv, rules_uri) == [], "didClose clears diagnostics")
    r = srv.request("shutdown", None)
    check("result" in r and r["result"] is None, f"shutdown: {r}")
    srv.notify("exit", None)
    try:
        rc = srv.proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        rc = "still running"
    check(rc == 0, f"exit code after shutdown/exit: {rc}; stderr: {srv.proc.stderr.read().decode(errors='replace')}")

# 7. no workspace: the shipped rules are the project; a shipped non-binding ruleset's rule, in zh
shipped = Path(__file__).resolve().parents[2] / "rulesets/cn-bj/data-ip-guidelines.gate"
text = shipped.read_text(encoding="utf-8")
srv = Server(tempfile.gettempdir(), locale="zh_CN")
srv.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
srv.notify("textDocument/didOpen", {"textDocument": {"uri": shipped.as_uri(), "languageId": "lexgate", "version": 1,
                                                     "text": text}})
diags = diagnostics_for(srv, shipped.as_uri())
check(diags == [], f"the shipped ruleset has no diagnostics: {diags}")
p = pos_of(text, "rule register_data_ip", offset=6)
r = srv.request("textDocument/hover", {"textDocument": {"uri": shipped.as_uri()}, "position": p})
value = (r.get("result") or {}).get("contents", {}).get("value", "")
check("无约束力" in value and "第12条" in value and "北京市企业数据知识产权工作指引" in value,
      f"hover in zh: non-binding, citation, instrument: {value!r}")
p = pos_of(text, "CN-BJ", offset=1)
r = srv.request("textDocument/definition", {"textDocument": {"uri": shipped.as_uri()}, "position": p})
check((r.get("result") or {}).get("uri", "").endswith("/jurisdictions/iso3166.gate"), f"CN-BJ is declared in iso3166.gate: {r}")
srv.request("shutdown", None)
srv.notify("exit", None)
check(srv.proc.wait(timeout=TIMEOUT) == 0, "second session exits 0")

print(f"lsp test: {time.time() - start:.1f} s")
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("lsp: OK")
