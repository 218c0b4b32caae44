#!/usr/bin/env python3
"""Semantic check of the generated Julia bindings against abi/shmhub.h.

    python bindings/julia/gen/check.py [path/to/LibShmHub.jl]

The Julia side is read from its tree-sitter-julia parse (never from regexes over the text); the C
side from libclang. For every ccall: the symbol exists in the header, the library is `libshmhub`,
the return and argument types map exactly (both by the spelled mapping of the design and by ABI
class: size, signedness, pointer depth, struct identity) and the wrapper passes its parameters in
order. Every header function is wrapped exactly once. Every struct's fields (names, Julia types,
order) match the C struct and Julia's C-layout offsets equal libclang's. Every enum constant and
integer macro has a Julia constant of the right type and value. Exit status 1 on any mismatch,
with one line per problem naming the function, field or constant.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cparse  # noqa: E402
import clang.cindex as ci  # noqa: E402
import tree_sitter as ts  # noqa: E402
import tree_sitter_julia as tsj  # noqa: E402

K = ci.CursorKind
T = ci.TypeKind
DEFAULT = cparse.OUT

# ---- Julia side: ABI classes of the primitive names we accept -------------------------------
JL_PRIM = {"Int8": ("int", 1, True), "UInt8": ("int", 1, False), "Int16": ("int", 2, True),
           "UInt16": ("int", 2, False), "Int32": ("int", 4, True), "UInt32": ("int", 4, False),
           "Int64": ("int", 8, True), "UInt64": ("int", 8, False), "Csize_t": ("int", 8, False),
           "Cint": ("int", 4, True), "Cuint": ("int", 4, False), "Cchar": ("int", 1, True),
           "Cdouble": ("float", 8), "Cfloat": ("float", 4), "Cvoid": ("void",), "Cstring": ("cstring",)}
# The exact spelling the design asks for, by C typedef name.
STD_SPELLING = {"int8_t": "Int8", "uint8_t": "UInt8", "int16_t": "Int16", "uint16_t": "UInt16",
                "int32_t": "Int32", "uint32_t": "UInt32", "int64_t": "Int64", "uint64_t": "UInt64",
                "size_t": "Csize_t"}


class Problems(list):
    def add(self, msg):
        self.append(msg)


def jl_type_repr(node):
    """A type node as a canonical string (`Ptr{Ptr{shmhub_segment}}`), or None if not a type."""
    if node.type == "identifier":
        return node.text.decode()
    if node.type == "parametrized_type_expression":
        head = node.named_children[0]
        curly = node.named_children[1]
        args = [jl_type_repr(a) for a in curly.named_children]
        if head.type != "identifier" or None in args:
            return None
        return "%s{%s}" % (head.text.decode(), ",".join(args))
    return None


def int_literal(node):
    """Integer value of `5`, `-5`, `0x10`, or None."""
    if node.type == "integer_literal" or node.type == "hex_literal":
        return int(node.text.decode().replace("_", ""), 0)
    if node.type == "unary_expression" and len(node.children) == 2 and node.children[0].text == b"-":
        v = int_literal(node.children[1])
        return None if v is None else -v
    return None


class JuliaModule:
    def __init__(self, path, problems, module=None):
        module = module or cparse.MODULE
        self.ext = None  # the core module, for types a cuda-target file imports from ..LibShmHub
        self.imports = []
        src = open(path, "rb").read()
        parser = ts.Parser(ts.Language(tsj.language()))
        tree = parser.parse(src)
        self.p = problems
        if tree.root_node.has_error:
            problems.add("%s: tree-sitter-julia reports syntax errors" % path)
        mods = [n for n in tree.root_node.named_children if n.type == "module_definition"]
        if len(mods) != 1 or mods[0].child_by_field_name("name").text != module.encode():
            problems.add("%s: expected exactly one `module %s`" % (path, module))
            self.items = []
        else:
            self.items = mods[0].named_children
        self.consts = {}      # name -> rhs node
        self.structs = {}     # name -> (mutable, [(field, type_repr)])
        self.functions = []   # (name, [params], ccall node or None, has_doc)
        prev = None
        for n in self.items:
            if n.type == "import_statement":
                self.imports += [x.text.decode() for x in n.named_children[0].named_children[1:]] \
                    if n.named_children and n.named_children[0].type == "selected_import" else []
            elif n.type == "const_statement":
                asg = n.named_children[0] if n.named_children else None
                if asg is None or asg.type != "assignment":
                    problems.add("unexpected const form: %s" % n.text.decode()[:60])
                else:
                    name = asg.named_children[0].text.decode()
                    if name in self.consts:
                        problems.add("constant %s defined twice" % name)
                    self.consts[name] = asg.named_children[-1]
            elif n.type == "struct_definition":
                mutable = n.children[0].type == "mutable"
                head = [c for c in n.named_children if c.type == "type_head"][0]
                name = head.text.decode()
                fields = []
                for f in n.named_children:
                    if f.type == "typed_expression":
                        fields.append((f.named_children[0].text.decode(), jl_type_repr(f.named_children[-1])))
                    elif f.type != "type_head":
                        problems.add("struct %s: unexpected member %r" % (name, f.text.decode()[:40]))
                if name in self.structs:
                    problems.add("struct %s defined twice" % name)
                self.structs[name] = (mutable, fields)
            elif n.type == "function_definition":
                sig = [c for c in n.named_children if c.type == "signature"][0]
                call = sig.named_children[0]
                fname = call.named_children[0].text.decode()
                params = [a.text.decode() for a in call.named_children[1].named_children]
                ccalls = [c for c in n.named_children if c.type == "call_expression"
                          and c.named_children[0].text == b"ccall"]
                body = [c for c in n.named_children if c.type not in ("signature",)]
                if len(ccalls) != 1 or len(body) != 1:
                    problems.add("function %s: body must be exactly one ccall" % fname)
                has_doc = prev is not None and prev.type == "string_literal"
                self.functions.append((fname, params, ccalls[0] if ccalls else None, has_doc))
            prev = n

    def resolve(self, tr, depth=0):
        """ABI class of a Julia type string, following `const X = Y` aliases."""
        if depth > 10:
            return ("cycle", tr)
        if tr is None:
            return ("unknown",)
        if tr.startswith("Ptr{") and tr.endswith("}"):
            return ("ptr", self.resolve(tr[4:-1], depth + 1))
        if tr in JL_PRIM:
            return JL_PRIM[tr]
        if tr in self.consts:
            return self.resolve(jl_type_repr(self.consts[tr]), depth + 1)
        if tr in self.structs:
            mutable, fields = self.structs[tr]
            return ("opaque", tr) if mutable and not fields else ("struct", tr)
        if self.ext is not None and tr in self.imports:
            return self.ext.resolve(tr, depth + 1)
        return ("unknown", tr)

    def layout(self, tr):
        """(size, align) of a Julia isbits type under C layout rules."""
        cls = self.resolve(tr)
        if cls[0] in ("ptr", "cstring"):
            return 8, 8
        if cls[0] in ("int", "float"):
            return cls[1], cls[1]
        if cls[0] == "struct":
            offs, size, align = self.struct_offsets(cls[1])
            return size, align
        raise ValueError("no C layout for %s" % tr)

    def struct_offsets(self, name):
        if name not in self.structs and self.ext is not None and name in self.imports:
            return self.ext.struct_offsets(name)
        off, maxal, offs = 0, 1, []
        for _, tr in self.structs[name][1]:
            size, al = self.layout(tr)
            off = (off + al - 1) // al * al
            offs.append(off)
            off += size
            maxal = max(maxal, al)
        return offs, (off + maxal - 1) // maxal * maxal, maxal


# ---- C side -----------------------------------------------------------------------------------

def c_strip(t):
    while t.kind == T.ELABORATED:
        t = t.get_named_type()
    return t


def c_class(t, where):
    """ABI class of a C type, comparable with JuliaModule.resolve()."""
    t = c_strip(t)
    if t.kind == T.POINTER:
        pt = c_strip(t.get_pointee())
        if where == "param" and pt.get_canonical().kind in (T.CHAR_S, T.CHAR_U) and pt.is_const_qualified():
            return ("cstring",)
        return ("ptr", c_class(pt, "inner"))
    ct = t.get_canonical()
    if ct.kind == T.RECORD:
        d = ct.get_declaration()
        has_fields = any(f.kind == K.FIELD_DECL for f in d.get_children())
        return ("struct" if d.is_definition() and has_fields else "opaque", d.spelling)
    if ct.kind == T.VOID:
        return ("void",)
    if ct.kind in (T.FLOAT, T.DOUBLE):
        return ("float", ct.get_size())
    signed = {T.CHAR_S: True, T.SCHAR: True, T.SHORT: True, T.INT: True, T.LONG: True, T.LONGLONG: True,
              T.CHAR_U: False, T.UCHAR: False, T.USHORT: False, T.UINT: False, T.ULONG: False,
              T.ULONGLONG: False}
    if ct.kind in signed:
        return ("int", ct.get_size(), signed[ct.kind])
    if ct.kind == T.ENUM:
        return c_class(ct.get_declaration().enum_type, where)
    return ("unsupported", t.spelling)


def c_spelling(t, where):
    """The Julia spelling the design prescribes for a C type."""
    t = c_strip(t)
    if t.kind == T.POINTER:
        pt = c_strip(t.get_pointee())
        if pt.kind in (T.CHAR_S, T.CHAR_U):
            return "Cstring" if where == "param" and pt.is_const_qualified() else "Ptr{Cchar}"
        return "Ptr{%s}" % c_spelling(pt, "inner")
    if t.kind == T.TYPEDEF:
        n = t.get_declaration().spelling
        return STD_SPELLING.get(n, n)
    if t.kind == T.RECORD:
        return t.get_declaration().spelling
    return {T.VOID: "Cvoid", T.DOUBLE: "Cdouble", T.CHAR_S: "Cchar"}.get(t.kind, "?" + t.spelling)


def main(argv):
    path = argv[0] if argv else DEFAULT
    p = Problems()
    jm = JuliaModule(path, p)
    if cparse.TARGET != "core":
        jm.ext = JuliaModule(cparse.CORE_OUT, p, module="LibShmHub")
        for name in jm.imports:
            if name not in jm.ext.consts and name not in jm.ext.structs:
                p.add("import %s: not defined in LibShmHub.jl" % name)
    tu = cparse.parse()
    top = [c for c in tu.cursor.get_children() if cparse.in_header(c)]

    # libshmhub: one constant, overridable by the environment.
    lib = jm.consts.get(cparse.LIBCONST)
    want = 'get(ENV,"%s","%s")' % (cparse.LIBENV, cparse.LIBSO)
    if lib is None or lib.text.decode().replace(" ", "") != want:
        p.add('%s must be `const %s = get(ENV, "%s", "%s")`' % (
            cparse.LIBCONST, cparse.LIBCONST, cparse.LIBENV, cparse.LIBSO))

    # Functions.
    cfuncs = {c.spelling: c for c in top if c.kind == K.FUNCTION_DECL}
    seen = {}
    for fname, params, cc, has_doc in jm.functions:
        if cc is None:
            continue
        args = [a for a in cc.named_children[1].named_children]
        if len(args) < 3 or args[0].type != "tuple_expression":
            p.add("function %s: ccall must be ccall((:sym, libshmhub), Ret, (Args...), args...)" % fname)
            continue
        target = args[0].named_children
        sym = target[0].named_children[0].text.decode() if target and target[0].type == "quote_expression" else None
        if len(target) != 2 or target[1].text != cparse.LIBCONST.encode():
            p.add("function %s: ccall must name the library constant `%s`" % (fname, cparse.LIBCONST))
        if sym != fname:
            p.add("function %s: calls symbol %s, not its own name" % (fname, sym))
        seen[sym] = seen.get(sym, 0) + 1
        c = cfuncs.get(sym)
        if c is None:
            p.add("function %s: symbol %s is not declared in abi/shmhub.h" % (fname, sym))
            continue
        if not has_doc:
            p.add("function %s: no docstring" % fname)
        ret = jl_type_repr(args[1])
        if ret != c_spelling(c.result_type, "return") or jm.resolve(ret) != c_class(c.result_type, "return"):
            p.add("function %s: return type %s, header %s (expected %s)" % (
                fname, ret, c.result_type.spelling, c_spelling(c.result_type, "return")))
        if args[2].type != "tuple_expression":
            p.add("function %s: argument types must be a tuple" % fname)
            continue
        jtypes = [jl_type_repr(x) for x in args[2].named_children]
        cargs = list(c.get_arguments())
        if len(jtypes) != len(cargs):
            p.add("function %s: %d argument types, header has %d" % (fname, len(jtypes), len(cargs)))
        for i, (jt, ca) in enumerate(zip(jtypes, cargs)):
            if jt != c_spelling(ca.type, "param") or jm.resolve(jt) != c_class(ca.type, "param"):
                p.add("function %s: argument %d (%s) is %s, header %s (expected %s)" % (
                    fname, i + 1, ca.spelling, jt, ca.type.spelling, c_spelling(ca.type, "param")))
        passed = [x.text.decode() for x in args[3:]]
        if passed != params or len(params) != len(cargs):
            p.add("function %s: parameters %s passed as %s (header has %d)" % (fname, params, passed, len(cargs)))
    for name in cfuncs:
        if seen.get(name, 0) != 1:
            p.add("function %s: wrapped %d times (must be exactly once)" % (name, seen.get(name, 0)))

    # Structs, opaque handles and integer typedefs.
    c_records = {}
    for c in top:
        if c.kind == K.TYPEDEF_DECL:
            ut = c_strip(c.underlying_typedef_type)
            if ut.kind == T.RECORD:
                c_records[c.spelling] = ut
            else:
                jt = jl_type_repr(jm.consts[c.spelling]) if c.spelling in jm.consts else None
                if jm.resolve(jt) != c_class(c.underlying_typedef_type, "typedef"):
                    p.add("typedef %s: Julia alias %s does not match C %s" % (
                        c.spelling, jt, c.underlying_typedef_type.spelling))
    for name, rt in c_records.items():
        decl = rt.get_declaration()
        cfields = [f for f in decl.get_children() if f.kind == K.FIELD_DECL]
        js = jm.structs.get(name)
        if js is None:
            p.add("struct %s: missing from the Julia file" % name)
            continue
        mutable, jfields = js
        if not cfields:
            if not mutable or jfields:
                p.add("struct %s: opaque handle must be `mutable struct %s end`" % (name, name))
            continue
        if mutable:
            p.add("struct %s: must be an immutable (isbits) struct to be C-layout compatible" % name)
        cnames = [f.spelling for f in cfields]
        jnames = [f for f, _ in jfields]
        if cnames != jnames:
            p.add("struct %s: fields %s, header %s" % (name, jnames, cnames))
        for (jn, jt), cf in zip(jfields, cfields):
            if jn != cf.spelling:
                continue
            if jt != c_spelling(cf.type, "field") or jm.resolve(jt) != c_class(cf.type, "field"):
                p.add("struct %s: field %s is %s, header %s (expected %s)" % (
                    name, jn, jt, cf.type.spelling, c_spelling(cf.type, "field")))
        try:
            offs, size, _ = jm.struct_offsets(name)
        except (ValueError, KeyError) as e:
            p.add("struct %s: cannot lay out: %s" % (name, e))
            continue
        for (jn, _), off, cf in zip(jfields, offs, cfields):
            coff = rt.get_offset(cf.spelling) // 8 if jn == cf.spelling else None
            if off != coff:
                p.add("struct %s: field %s at Julia offset %d, C offset %s" % (name, jn, off, coff))
        if size != rt.get_size():
            p.add("struct %s: Julia size %d, C size %d" % (name, size, rt.get_size()))
    for name, (mutable, fields) in jm.structs.items():
        if name not in c_records:
            p.add("struct %s: not in the header" % name)

    # Enums and integer macros.
    expected = {}  # const name -> (class, value)
    for c in top:
        if c.kind == K.ENUM_DECL:
            cls = c_class(c.enum_type, "enum")
            jt = jl_type_repr(jm.consts[c.spelling]) if c.spelling in jm.consts else None
            if jm.resolve(jt) != cls:
                p.add("enum %s: Julia type %s does not match C %s" % (c.spelling, jt, c.enum_type.spelling))
            for e in c.get_children():
                if e.kind == K.ENUM_CONSTANT_DECL:
                    expected[e.spelling] = (cls, e.enum_value, c.spelling)
    for name, value, kind, _, _ in cparse.integer_macros(tu):
        size = {T.INT: 4, T.UINT: 4, T.LONG: 8, T.ULONG: 8, T.LONGLONG: 8, T.ULONGLONG: 8}[kind]
        expected[name] = (("int", size, kind in (T.INT, T.LONG, T.LONGLONG)), value, None)
    for name, (cls, value, enum_name) in expected.items():
        rhs = jm.consts.get(name)
        if rhs is None:
            p.add("constant %s: missing (header value %d)" % (name, value))
            continue
        if rhs.type != "call_expression" or len(rhs.named_children[1].named_children) != 1:
            p.add("constant %s: must be written `T(value)`" % name)
            continue
        tname = rhs.named_children[0].text.decode()
        v = int_literal(rhs.named_children[1].named_children[0])
        if v != value:
            p.add("constant %s: value %s, header %d" % (name, v, value))
        if jm.resolve(tname) != cls or (enum_name and tname != enum_name):
            p.add("constant %s: type %s does not match the header's" % (name, tname))
    for name in jm.consts:
        if name.startswith("SHMHUB_") and name not in expected:
            p.add("constant %s: not an enum constant or integer macro of the header" % name)

    for msg in p:
        print("check.py: " + msg)
    print("check.py: %s: %d functions, %d structs and handles, %d constants checked; %d problem(s)" % (
        os.path.relpath(path, cparse.ROOT) if path.startswith(cparse.ROOT) else path,
        len(cfuncs), len(c_records), len(expected), len(p)))
    return 1 if p else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
