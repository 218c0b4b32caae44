#!/usr/bin/env python3
"""Generates bindings/julia/src/LibShmHub.jl from abi/shmhub.h with libclang (Clang.jl's shape).

    python bindings/julia/gen/generate.py           # (re)write the file
    python bindings/julia/gen/generate.py --check   # exit 1 if the committed file is stale

Enums are emitted as plain constants (`const shmhub_status_code = Int32`,
`const SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)`) rather than CEnum.jl's `@cenum`: the package
then has no dependencies, and no macro we could not run is involved. Every API parameter that
takes an enum is declared with an integer typedef (shmhub_status, shmhub_dtype, uint32_t), so
integer constants are exactly what the C functions accept.
"""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cparse  # noqa: E402
import clang.cindex as ci  # noqa: E402

OUT = cparse.OUT
REFERENCED = set()  # shmhub_* typedef names the generated code uses (the cuda target imports
                   # those its own header does not define from ..LibShmHub)
K = ci.CursorKind
T = ci.TypeKind

# Spelled typedef names of <stdint.h>/<stddef.h> → Julia (the design allows only these).
STD = {"int8_t": "Int8", "uint8_t": "UInt8", "int16_t": "Int16", "uint16_t": "UInt16",
       "int32_t": "Int32", "uint32_t": "UInt32", "int64_t": "Int64", "uint64_t": "UInt64",
       "size_t": "Csize_t"}
BUILTIN = {T.VOID: "Cvoid", T.DOUBLE: "Cdouble", T.FLOAT: "Cfloat", T.CHAR_S: "Cchar", T.CHAR_U: "Cchar",
           T.INT: "Cint", T.UINT: "Cuint"}
CANON_INT = {T.INT: "Int32", T.UINT: "UInt32", T.LONG: "Int64", T.ULONG: "UInt64",
             T.LONGLONG: "Int64", T.ULONGLONG: "UInt64"}
JULIA_RESERVED = {"baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif",
                  "end", "export", "false", "finally", "for", "function", "global", "if", "import",
                  "let", "local", "macro", "module", "quote", "return", "struct", "true", "try",
                  "using", "while", "abstract", "primitive", "type", "mutable", "where", "in", "isa"}


def strip(t):
    while t.kind == T.ELABORATED:
        t = t.get_named_type()
    return t


def jl_type(t, where):
    """where: 'param' (const char * → Cstring), 'return' or 'field' (→ Ptr{Cchar})."""
    t = strip(t)
    if t.kind == T.POINTER:
        pointee = strip(t.get_pointee())
        if pointee.kind in (T.CHAR_S, T.CHAR_U):
            return "Cstring" if (where == "param" and pointee.is_const_qualified()) else "Ptr{Cchar}"
        return "Ptr{%s}" % jl_type(pointee, "inner")
    if t.kind == T.TYPEDEF:
        name = t.get_declaration().spelling
        if name in STD:
            return STD[name]
        if name.startswith("shmhub_"):
            REFERENCED.add(name)
            return name
        raise SystemExit("generate.py: unsupported typedef %r" % name)
    if t.kind == T.RECORD:
        return t.get_declaration().spelling
    if t.kind in BUILTIN:
        return BUILTIN[t.kind]
    raise SystemExit("generate.py: unsupported C type %r (%s)" % (t.spelling, t.kind))


# ---------------------------------------------------------------------------------------------
# Doxygen → Julia docstring

def comment_text(raw):
    if not raw:
        return ""
    lines = []
    for ln in raw.splitlines():
        ln = ln.strip()
        ln = re.sub(r"^/\*\*<?", "", ln)
        ln = re.sub(r"\*/$", "", ln)
        ln = re.sub(r"^\*(?!\*)", "", ln)
        lines.append(ln.strip())
    return "\n".join(lines).strip()


def inline_md(s):
    s = re.sub(r"@[pc]\s+(\w+)", r"`\1`", s)
    s = re.sub(r"::(SHMHUB_\w+|shmhub_\w+)", r"`\1`", s)
    s = re.sub(r"@(owned|borrowed)\b", r"**\1**", s)
    s = re.sub(r"@(threadsafe)\b", "Thread-safe.", s)
    s = re.sub(r"@since\s+(\S+)", r"Since \1.", s)
    return re.sub(r"[ \t]+", " ", s).strip()


BLOCK = re.compile(r"@(brief\b|param(?:\[[a-z,]+\])?(?=\s)|returns?\b|note\b|threadsafe\b|since\b|name\b)|@\{|@\}")


def docstring(raw, signature=None, prototype=None, extra=()):
    text = comment_text(raw)
    paras = [p.replace("\n", " ") if not p.lstrip().startswith("-") and not re.match(r"\s*\d+\.", p) else p
             for p in re.split(r"\n\s*\n", text)]
    brief, details, params, returns, notes, tags = [], [], [], [], [], []
    for p in paras:
        pieces = BLOCK.split(p)
        # pieces: [pre, tag, body, tag, body, ...]; re.split yields the group (None for @{ @}).
        cur = details
        chunks = [(None, pieces[0])] + [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces), 2)]
        for tag, body in chunks:
            body = body.strip()
            if tag is None:
                if body:
                    cur.append(body)
            elif tag == "brief":
                brief.append(body)
                cur = details
            elif tag.startswith("param"):
                m = re.match(r"(\w+)\s*(.*)", body, re.S)
                direction = tag[6:-1] if "[" in tag else ""
                params.append((m.group(1), direction, m.group(2)))
            elif tag.startswith("return"):
                returns.append(body)
            elif tag == "note":
                notes.append(body)
            elif tag == "threadsafe":
                tags.append("Thread-safe.")
                if body:
                    details.append(body)
            elif tag == "since":
                m = re.match(r"(\S+)\s*(.*)", body, re.S)
                tags.append("Since %s." % m.group(1))
                if m.group(2).strip():
                    details.append(m.group(2))
    out = []
    if signature:
        out += ["    " + signature, ""]
    if brief:
        out += [inline_md(" ".join(brief)), ""]
    for d in details:
        out += ["\n".join(inline_md(x) for x in d.split("\n")), ""]
    if params:
        out.append("# Arguments")
        for name, direction, body in params:
            out.append("* `%s`%s: %s" % (name, " (%s)" % direction if direction else "", inline_md(body)))
        out.append("")
    if returns:
        out += ["# Returns", inline_md(" ".join(returns)), ""]
    for n in notes:
        out += ["!!! note", "    " + inline_md(n), ""]
    if tags:
        out += [" ".join(tags), ""]
    out += list(extra)
    if prototype:
        out += ["### Prototype", "```c", prototype, "```", ""]
    s = "\n".join(out).strip("\n")
    s = s.replace("\\", "\\\\").replace("$", "\\$").replace('"', '\\"')
    if "\n" not in s:
        return '"""%s"""' % s
    return '"""\n%s\n"""' % s


def preceding_comment(cursor):
    """The /** ... */ block right above a macro (libclang attaches comments to declarations only)."""
    with open(cursor.location.file.name) as f:
        lines = f.read().splitlines()
    i = cursor.location.line - 2
    if i < 0 or not lines[i].rstrip().endswith("*/"):
        return ""
    j = i
    while j >= 0 and "/**" not in lines[j]:
        j -= 1
    return "\n".join(lines[j:i + 1]) if j >= 0 else ""


def c_decl(t, name):
    s = t.spelling
    return s + name if s.endswith("*") else "%s %s" % (s, name)


# ---------------------------------------------------------------------------------------------

def generate():
    tu = cparse.parse()
    macros = {name: (v, kind, body) for name, v, kind, body, _ in cparse.integer_macros(tu)}
    out = []
    w = out.append
    w("# %s.jl: generated from abi/%s by bindings/julia/gen/generate.py — do not edit." % (
        cparse.MODULE, os.path.basename(cparse.HEADER)))
    w("# Regenerate with `make julia-bindings`; `make test-julia` checks it against the header.")
    w("#")
    w("# Enums are plain typed constants (no CEnum.jl dependency): `const shmhub_status_code = Int32`")
    w("# and `const SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)`. Integer macros are constants of the")
    w("# C type the compiler gives them (`1` is Int32, `0x1u` is UInt32).")
    w("module %s" % cparse.MODULE)
    w("")
    import_at = len(out)
    w('"""The shared library ccall loads: `ENV["%s"]` when set, else `%s`."""' % (cparse.LIBENV, cparse.LIBSO))
    w('const %s = get(ENV, "%s", "%s")' % (cparse.LIBCONST, cparse.LIBENV, cparse.LIBSO))
    w("")
    defined = set()
    seen_records = set()
    n_funcs = 0
    for c in tu.cursor.get_children():
        if not cparse.in_header(c):
            continue
        if c.kind == K.MACRO_DEFINITION and c.spelling in macros:
            v, kind, body = macros[c.spelling]
            jt = CANON_INT[kind]
            doc = docstring(preceding_comment(c))
            w(doc)
            body = re.sub(r"\( | \)", lambda m: m.group(0).strip(), body)
            comment = "" if re.fullmatch(r"[0-9]+", body) else "  # %s" % body
            w("const %s = %s(%d)%s" % (c.spelling, jt, v, comment))
            w("")
        elif c.kind == K.TYPEDEF_DECL:
            defined.add(c.spelling)
            ut = c.underlying_typedef_type
            st = strip(ut)
            if st.kind == T.RECORD:
                decl = st.get_declaration()
                if decl.spelling in seen_records:
                    continue
                seen_records.add(decl.spelling)
                fields = [f for f in decl.get_children() if f.kind == K.FIELD_DECL]
                if not decl.is_definition() or not fields:
                    w(docstring(c.raw_comment))
                    w("mutable struct %s end" % c.spelling)
                    w("")
                else:
                    lines = ["# Fields"]
                    for f in fields:
                        lines.append("* `%s`: %s" % (f.spelling, inline_md(comment_text(f.raw_comment))))
                    w(docstring(c.raw_comment, extra=lines))
                    w("struct %s" % c.spelling)
                    for f in fields:
                        w("    %s::%s" % (f.spelling, jl_type(f.type, "field")))
                    w("end")
                    w("")
            else:
                w(docstring(c.raw_comment))
                w("const %s = %s" % (c.spelling, jl_type(ut, "typedef")))
                w("")
        elif c.kind == K.ENUM_DECL:
            jt = CANON_INT[c.enum_type.get_canonical().kind]
            w(docstring(c.raw_comment))
            w("const %s = %s" % (c.spelling, jt))
            w("")
            for e in c.get_children():
                if e.kind == K.ENUM_CONSTANT_DECL:
                    w(docstring(e.raw_comment))
                    w("const %s = %s(%d)" % (e.spelling, c.spelling, e.enum_value))
            w("")
        elif c.kind == K.FUNCTION_DECL:
            n_funcs += 1
            args = [a for a in c.get_arguments()]
            names = []
            for i, a in enumerate(args):
                nm = a.spelling or "arg%d" % (i + 1)
                names.append(nm + "_" if nm in JULIA_RESERVED else nm)
            sig = "%s(%s)" % (c.spelling, ", ".join(names))
            proto = "%s(%s);" % (c_decl(c.result_type, c.spelling),
                                 ", ".join(c_decl(a.type, a.spelling) for a in args) or "void")
            w(docstring(c.raw_comment, sig, proto))
            ret = jl_type(c.result_type, "return")
            types = [jl_type(a.type, "param") for a in args]
            tup = "(" + ", ".join(types) + ("," if len(types) == 1 else "") + ")"
            call = "ccall((:%s, %s), %s, %s%s)" % (
                c.spelling, cparse.LIBCONST, ret, tup, "".join(", " + n for n in names))
            w("function %s" % sig)
            w("    " + call)
            w("end")
            w("")
    w("# %d functions wrapped." % n_funcs)
    w("")
    w("end # module %s" % cparse.MODULE)
    imports = sorted(REFERENCED - defined)
    if imports:  # the cuda target: types of abi/shmhub.h, from the sibling module LibShmHub
        out[import_at:import_at] = ["import ..LibShmHub: " + ", ".join(imports), ""]
    return "\n".join(out) + "\n"


def main(argv):
    text = generate()
    if "--check" in argv:
        try:
            with open(OUT, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), "committed/" + os.path.basename(OUT),
                "generated/" + os.path.basename(OUT)))
            print("generate.py --check: %s is stale; run `make julia-bindings`" % os.path.relpath(OUT, cparse.ROOT))
            return 1
        print("generate.py --check: %s is up to date" % os.path.basename(OUT))
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s" % os.path.relpath(OUT, cparse.ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
