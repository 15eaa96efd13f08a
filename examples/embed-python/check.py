#!/usr/bin/env python3
"""Embedding lexgate from Python through its C ABI (ctypes), no extension module needed.

usage: check.py [--lib PATH/liblexgate.so] [--locale L] [--as-of DATE] SHARE_DIR CASE.json

SHARE_DIR is the shipped data (e.g. /usr/local/share/lexgate). The decision JSON printed is
byte-identical to `lexgate check CASE.json --format json --locale L`, and the exit code is the same
(0-3 the verdict, 65 bad case, 66 not found, 78 bad rules, 70 internal). The library is found with
--lib, $LEXGATE_LIB, or the dynamic loader's search path (liblexgate.so.0).
"""
import argparse
import ctypes
import json
import os
import sys


class Lexgate:
    def __init__(self, path=None):
        self.lib = ctypes.CDLL(path or os.environ.get("LEXGATE_LIB") or "liblexgate.so.0")
        L = self.lib
        L.lexgate_engine_load_dirs.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
                                               ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        L.lexgate_engine_load_dirs.restype = ctypes.c_int
        L.lexgate_check.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        L.lexgate_check.restype = ctypes.c_int
        L.lexgate_string_free.argtypes = [ctypes.c_void_p]
        L.lexgate_engine_free.argtypes = [ctypes.c_void_p]
        L.lexgate_version.restype = ctypes.c_char_p

    def _take(self, ptr):
        """Copies a library-owned string into Python bytes and frees it."""
        if not ptr.value:
            return b""
        data = ctypes.string_at(ptr.value)
        self.lib.lexgate_string_free(ptr)
        return data

    def load(self, dirs):
        arr = (ctypes.c_char_p * len(dirs))(*[d.encode() for d in dirs])
        engine, diags = ctypes.c_void_p(), ctypes.c_void_p()
        rc = self.lib.lexgate_engine_load_dirs(arr, len(dirs), ctypes.byref(engine), ctypes.byref(diags))
        return rc, engine, self._take(diags)

    def check(self, engine, case_bytes, options):
        out = ctypes.c_void_p()
        rc = self.lib.lexgate_check(engine, case_bytes, json.dumps(options).encode(), ctypes.byref(out))
        return rc, self._take(out)

    def free(self, engine):
        self.lib.lexgate_engine_free(engine)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib")
    ap.add_argument("--locale", default="en")
    ap.add_argument("--as-of")
    ap.add_argument("share_dir")
    ap.add_argument("case")
    a = ap.parse_args()
    lg = Lexgate(a.lib)
    root = a.share_dir
    rc, engine, diags = lg.load([root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"])
    if rc != 0:
        sys.stderr.write("check.py: cannot load the rules (%d):\n%s" % (rc, diags.decode()))
        return rc
    try:
        with open(a.case, "rb") as f:
            case_bytes = f.read()
    except OSError as e:
        sys.stderr.write("check.py: %s\n" % e)
        lg.free(engine)
        return 66
    options = {"locale": a.locale}
    if a.as_of:
        options["as_of"] = a.as_of
    rc, out = lg.check(engine, case_bytes, options)
    (sys.stdout.buffer if rc <= 3 else sys.stderr.buffer).write(out)
    sys.stdout.flush()
    lg.free(engine)
    return rc


if __name__ == "__main__":
    sys.exit(main())
