"""Shared libclang set-up for the Julia generator and its checker: parse abi/shmhub.h, evaluate
its integer macros with the compiler itself. Only parsing lives here; generate.py and check.py
each do their own mapping of C types to Julia so that one cannot hide a bug in the other."""
import glob
import os
import shutil
import subprocess
import tempfile

import clang.cindex as ci

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Two targets share this generator and its checks: "core" (abi/shmhub.h -> LibShmHub.jl) and
# "cuda" (abi/shmhub_cuda.h -> LibShmHubCuda.jl, which imports the core types it uses from
# ..LibShmHub). The environment variable SHMHUB_JL_TARGET picks one (default core).
TARGET = os.environ.get("SHMHUB_JL_TARGET", "core")
_TARGETS = {
    "core": ("shmhub.h", "LibShmHub", "libshmhub", "SHMHUB_LIB", "libshmhub.so.1"),
    "cuda": ("shmhub_cuda.h", "LibShmHubCuda", "libshmhub_cuda", "SHMHUB_CUDA_LIB", "libshmhub_cuda.so.1"),
}
if TARGET not in _TARGETS:
    raise SystemExit("SHMHUB_JL_TARGET must be one of %s, not %r" % (sorted(_TARGETS), TARGET))
_HEADER_NAME, MODULE, LIBCONST, LIBENV, LIBSO = _TARGETS[TARGET]
HEADER = os.path.join(ROOT, "abi", _HEADER_NAME)
ABI = os.path.dirname(HEADER)
OUT = os.path.join(ROOT, "bindings", "julia", "src", MODULE + ".jl")
CORE_OUT = os.path.join(ROOT, "bindings", "julia", "src", "LibShmHub.jl")

# The PyPI libclang wheel ships libclang.so but not clang's own headers (stddef.h); borrow
# them from an installed clang or gcc. Types are mapped by their spelled typedef names
# (uint32_t, size_t), so which copy of stddef.h is used cannot change the output.
_STUB_DIR = None


def _builtin_include_args():
    cands = []
    clang = shutil.which("clang")
    if clang:
        try:
            rd = subprocess.run([clang, "-print-resource-dir"], capture_output=True, text=True,
                                check=True).stdout.strip()
            cands.append(os.path.join(rd, "include"))
        except (OSError, subprocess.CalledProcessError):
            pass
    cands += sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/include"), reverse=True)
    cands += sorted(glob.glob("/usr/lib/gcc/*/*/include"), reverse=True)
    for c in cands:
        if os.path.exists(os.path.join(c, "stddef.h")):
            return ["-isystem", c]
    # Last resort: tiny stand-ins built from the compiler's predefined macros.
    global _STUB_DIR
    if _STUB_DIR is None:
        _STUB_DIR = tempfile.mkdtemp(prefix="shmhub-jl-stubs-")
        with open(os.path.join(_STUB_DIR, "stddef.h"), "w") as f:
            f.write("#pragma once\ntypedef __SIZE_TYPE__ size_t;\n#define NULL ((void*)0)\n")
        with open(os.path.join(_STUB_DIR, "stdint.h"), "w") as f:
            f.write("#pragma once\n" + "".join(
                f"typedef __{u}INT{n}_TYPE__ {u.lower()}int{n}_t;\n"
                for u in ("", "U") for n in (8, 16, 32, 64)) +
                "#define INT64_C(x) x##LL\n")
    return ["-isystem", _STUB_DIR]


def parse(header=HEADER, unsaved_tail=None):
    """Parses the header (or a probe file that includes it plus `unsaved_tail`)."""
    args = ["-x", "c", "-std=c11", "-I" + os.path.dirname(header)] + _builtin_include_args()
    index = ci.Index.create()
    opts = ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
    if unsaved_tail is None:
        tu = index.parse(header, args=args, options=opts)
    else:
        probe = os.path.join(os.path.dirname(header), "__shmhub_jl_probe.c")
        src = '#include "%s"\n%s' % (os.path.basename(header), unsaved_tail)
        tu = index.parse(probe, args=args, unsaved_files=[(probe, src)], options=opts)
    errs = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errs:
        raise SystemExit("libclang could not parse %s:\n  %s" % (header, "\n  ".join(map(str, errs))))
    return tu


def in_header(cursor, header=HEADER):
    return cursor.location.file is not None and os.path.abspath(cursor.location.file.name) == os.path.abspath(header)


_INT_PUNCT = {"(", ")", "+", "-", "*", "/", "%", "|", "&", "^", "~", "<<", ">>"}


def integer_macros(tu, header=HEADER):
    """Object-like SHMHUB_* macros whose body is an integer constant expression, in header order:
    [(name, value, c_type_kind, body_text, cursor)]. Values and types come from the compiler:
    a probe file puts each macro in an enumerator (value) and a __typeof__ (type)."""
    cands = []
    for c in tu.cursor.get_children():
        if c.kind != ci.CursorKind.MACRO_DEFINITION or not in_header(c, header):
            continue
        if not c.spelling.startswith("SHMHUB_"):
            continue
        toks = list(c.get_tokens())
        body = toks[1:]
        # Function-like: "(" right after the name, with no space (libclang 18's Python API
        # has no is_macro_function_like()).
        if body and body[0].spelling == "(" and body[0].extent.start.offset == toks[0].extent.end.offset:
            continue
        if not body:
            continue  # include guard
        ok = True
        for t in body:
            if t.kind == ci.TokenKind.LITERAL:
                ok &= t.spelling[0].isdigit() and "." not in t.spelling
            elif t.kind == ci.TokenKind.PUNCTUATION:
                ok &= t.spelling in _INT_PUNCT
            elif t.kind == ci.TokenKind.IDENTIFIER:
                ok &= t.spelling.startswith("SHMHUB_")
            else:
                ok = False
        if ok:
            cands.append((c, " ".join(t.spelling for t in body)))
    names = {c.spelling for c, _ in cands}
    # Identifiers must be other integer macros (SHMHUB_API and friends are not).
    cands = [(c, b) for c, b in cands
             if all(t.kind != ci.TokenKind.IDENTIFIER or t.spelling in names for t in list(c.get_tokens())[1:])]
    tail = "enum __shmhub_jl_probe {\n" + "".join(
        "  __jl_v_%s = (%s),\n" % (c.spelling, c.spelling) for c, _ in cands) + "};\n" + "".join(
        "typedef __typeof__((%s)) __jl_t_%s;\n" % (c.spelling, c.spelling) for c, _ in cands)
    ptu = parse(header, tail)
    vals, kinds = {}, {}
    for c in ptu.cursor.walk_preorder():
        if c.kind == ci.CursorKind.ENUM_CONSTANT_DECL and c.spelling.startswith("__jl_v_"):
            vals[c.spelling[7:]] = c.enum_value
        elif c.kind == ci.CursorKind.TYPEDEF_DECL and c.spelling.startswith("__jl_t_"):
            kinds[c.spelling[7:]] = c.underlying_typedef_type.get_canonical().kind
    return [(c.spelling, vals[c.spelling], kinds[c.spelling], b, c) for c, b in cands]
