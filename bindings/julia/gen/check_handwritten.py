#!/usr/bin/env python3
"""Checks the hand-written layer (bindings/julia/src/ShmHub.jl) against the generated one
(LibShmHub.jl), statically (no Julia runtime exists here): every `L.name` it uses is defined in
LibShmHub.jl; every call `L.f(args...)` of a generated function passes as many arguments as the
function takes; every `L.S(fields...)` of a generated struct passes one value per field.
Then mutation tests: a copy with an unknown name, a missing argument or a missing field must fail.

The hand-written CUDA layer (ShmHubCuda.jl, module ShmHub.Cuda) gets the same `L.` checks, the
same checks of its `LC.` uses against LibShmHubCuda.jl, and every `ccall` in it is checked against
abi/shmhub_cuda.h through libclang: the symbol is declared there, the library is
`LC.libshmhub_cuda`, the return type and each argument type have the C type's ABI class (size,
signedness, pointer depth, struct identity; `Cstring` for `const char *` parameters), there are
as many argument types as C parameters and as many values as types. Its mutation tests (a
deliberately broken copy per rule) must each be caught.

    python bindings/julia/gen/check_handwritten.py [ShmHub.jl [LibShmHub.jl]]
"""
import os
import re
import sys

import tree_sitter as ts
import tree_sitter_julia as tsj

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check as jlcheck  # noqa: E402  (JuliaModule, c_class: the generated layer's checker)
import cparse  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HAND = os.path.join(ROOT, "bindings/julia/src/ShmHub.jl")
GEN = os.path.join(ROOT, "bindings/julia/src/LibShmHub.jl")
CUDA_HAND = os.path.join(ROOT, "bindings/julia/src/ShmHubCuda.jl")
CUDA_GEN = os.path.join(ROOT, "bindings/julia/src/LibShmHubCuda.jl")
CUDA_HEADER = os.path.join(ROOT, "abi/shmhub_cuda.h")


def generated_names(text):
    """(functions: name -> arity, structs: name -> field count, other defined names)."""
    funcs = {m.group(1): len([a for a in m.group(2).split(",") if a.strip()])
             for m in re.finditer(r"^function (\w+)\(([^)]*)\)\s*$", text, re.M)}
    structs = {}
    for m in re.finditer(r"^(mutable )?struct (\w+)\s*\n(.*?)^end", text, re.M | re.S):
        structs[m.group(2)] = len(re.findall(r"^\s+\w+::", m.group(3), re.M))
    for m in re.finditer(r"^mutable struct (\w+) end\s*$", text, re.M):
        structs.setdefault(m.group(1), 0)
    consts = set(re.findall(r"^const (\w+)\s*=", text, re.M))
    consts |= set(re.findall(r"^@cenum (\w+)", text, re.M))
    return funcs, structs, consts


def problems(hand_src, gen_text, prefix="L", gen_name="LibShmHub.jl"):
    funcs, structs, consts = generated_names(gen_text)
    parser = ts.Parser(ts.Language(tsj.language()))
    tree = parser.parse(hand_src)
    out, stack, used = [], [tree.root_node], 0
    if tree.root_node.has_error:
        out.append("tree-sitter-julia reports syntax errors")
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type != "field_expression" or len(n.named_children) != 2:
            continue
        obj, field = n.named_children
        if obj.type != "identifier" or obj.text != prefix.encode() or field.type != "identifier":
            continue
        name = field.text.decode()
        line = n.start_point[0] + 1
        used += 1
        if name not in funcs and name not in structs and name not in consts:
            out.append("line %d: %s.%s is not defined in %s" % (line, prefix, name, gen_name))
            continue
        call = n.parent
        if call is None or call.type != "call_expression" or call.named_children[0] != n:
            continue
        args = [c for c in call.named_children[1].named_children if c.type != "named_argument"]
        if name in funcs and len(args) != funcs[name]:
            out.append("line %d: %s.%s takes %d arguments, called with %d" % (
                line, prefix, name, funcs[name], len(args)))
        elif name in structs and name not in funcs and len(args) != structs[name]:
            out.append("line %d: %s.%s has %d fields, constructed with %d" % (
                line, prefix, name, structs[name], len(args)))
    if used == 0:
        out.append("no %s.name use found: the parse is wrong" % prefix)
    return out


# ---- the CUDA layer's ccalls against abi/shmhub_cuda.h --------------------------------------

def type_repr(node):
    """A ccall type node as a string: `Int32`, `Ptr{LC.shmhub_gpu_stream}`, or None."""
    if node.type == "identifier":
        return node.text.decode()
    if node.type == "field_expression" and len(node.named_children) == 2 and \
            all(c.type == "identifier" for c in node.named_children):
        return node.text.decode()
    if node.type == "parametrized_type_expression":
        head, curly = node.named_children[0], node.named_children[1]
        args = [type_repr(a) for a in curly.named_children]
        if head.type != "identifier" or head.text != b"Ptr" or len(args) != 1 or None in args:
            return None
        return "Ptr{%s}" % args[0]
    return None


class CudaTypes:
    """ABI classes of the Julia types a CUDA-layer ccall may name: primitives, Ptr{...}, and the
    generated layers' types as `L.name` (LibShmHub.jl) or `LC.name` (LibShmHubCuda.jl)."""

    def __init__(self):
        self.p = jlcheck.Problems()
        self.core = jlcheck.JuliaModule(GEN, self.p, module="LibShmHub")
        self.cuda = jlcheck.JuliaModule(CUDA_GEN, self.p, module="LibShmHubCuda")
        self.cuda.ext = self.core
        tu = cparse.parse(header=CUDA_HEADER)
        self.cfuncs = {c.spelling: c for c in tu.cursor.get_children()
                       if c.kind == jlcheck.K.FUNCTION_DECL and cparse.in_header(c, CUDA_HEADER)}

    def jl_class(self, tr):
        if tr is None:
            return ("unknown",)
        if tr.startswith("Ptr{") and tr.endswith("}"):
            return ("ptr", self.jl_class(tr[4:-1]))
        if tr.startswith("L."):
            return self.core.resolve(tr[2:])
        if tr.startswith("LC."):
            return self.cuda.resolve(tr[3:])
        return jlcheck.JL_PRIM.get(tr, ("unknown", tr))


def ccall_problems(src, types):
    """Every ccall of the CUDA layer `src` checked against abi/shmhub_cuda.h."""
    tree = ts.Parser(ts.Language(tsj.language())).parse(src)
    out, stack, n_ccalls = [], [tree.root_node], 0
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type != "call_expression" or n.named_children[0].text != b"ccall":
            continue
        n_ccalls += 1
        line = n.start_point[0] + 1
        args = n.named_children[1].named_children
        target = args[0].named_children if args and args[0].type == "tuple_expression" else []
        if len(args) < 3 or len(target) != 2 or target[0].type != "quote_expression" or \
                args[2].type != "tuple_expression":
            out.append("line %d: ccall must be ccall((:sym, LC.libshmhub_cuda), Ret, (Args...), args...)" % line)
            continue
        sym = target[0].named_children[0].text.decode()
        if target[1].text != b"LC.libshmhub_cuda":
            out.append("line %d: ccall of %s names library %s, not LC.libshmhub_cuda" % (
                line, sym, target[1].text.decode()))
        c = types.cfuncs.get(sym)
        if c is None:
            out.append("line %d: ccall of %s: not declared in abi/shmhub_cuda.h" % (line, sym))
            continue
        ret = type_repr(args[1])
        if types.jl_class(ret) != jlcheck.c_class(c.result_type, "return"):
            out.append("line %d: ccall of %s returns %s, header %s" % (
                line, sym, args[1].text.decode(), c.result_type.spelling))
        jtypes = [type_repr(x) for x in args[2].named_children]
        cargs = list(c.get_arguments())
        if len(jtypes) != len(cargs):
            out.append("line %d: ccall of %s has %d argument types, header has %d" % (
                line, sym, len(jtypes), len(cargs)))
        for i, (jt, ca) in enumerate(zip(jtypes, cargs)):
            if types.jl_class(jt) != jlcheck.c_class(ca.type, "param"):
                out.append("line %d: ccall of %s: argument %d (%s) is %s, header %s" % (
                    line, sym, i + 1, ca.spelling, args[2].named_children[i].text.decode(),
                    ca.type.spelling))
        if len(args) - 3 != len(jtypes):
            out.append("line %d: ccall of %s passes %d values for %d argument types" % (
                line, sym, len(args) - 3, len(jtypes)))
    if n_ccalls == 0:
        out.append("no ccall found: the parse is wrong")
    return out


def cuda_problems(src, core_text, cuda_text, types):
    return (problems(src, core_text) + problems(src, cuda_text, "LC", "LibShmHubCuda.jl") +
            ccall_problems(src, types))


CUDA_MUTATIONS = [  # (what, old, new): each must make the CUDA layer's check fail
    ("unknown symbol", b"(:shmhub_gpu_stream_peek_device,", b"(:shmhub_gpu_stream_peek,"),
    ("wrong library", b"(:shmhub_cuda_register, LC.libshmhub_cuda)", b"(:shmhub_cuda_register, L.libshmhub)"),
    ("missing argument type", b"(Ptr{LC.shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t, Ptr{Cvoid}),",
     b"(Ptr{LC.shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t),"),
    ("wrong integer type", b"(Ptr{L.shmhub_segment}, UInt32),", b"(Ptr{L.shmhub_segment}, Int32),"),
    ("narrower size_t", b"Csize_t), r, sizeof(LC.shmhub_gpu_stream_opts)",
     b"UInt32), r, sizeof(LC.shmhub_gpu_stream_opts)"),
    ("wrong pointer depth", b"(Ptr{LC.shmhub_gpu_stream}, Ptr{Ptr{Cvoid}}, Ptr{Cvoid}, Ptr{L.shmhub_frame_info}),",
     b"(Ptr{LC.shmhub_gpu_stream}, Ptr{Cvoid}, Ptr{Cvoid}, Ptr{L.shmhub_frame_info}),"),
    ("wrong struct", b"(Ptr{LC.shmhub_gpu_stream}, Ptr{L.shmhub_frame_info}), handle(g), r)",
     b"(Ptr{LC.shmhub_gpu_stream}, Ptr{L.shmhub_segment_opts}), handle(g), r)"),
    ("wrong return type", b"(:shmhub_gpu_stream_count, LC.libshmhub_cuda), UInt64,",
     b"(:shmhub_gpu_stream_count, LC.libshmhub_cuda), UInt32,"),
    ("Ptr for a C string", b"(Cstring, Ptr{LC.shmhub_gpu_stream_opts}, Ptr{Ptr{LC.shmhub_gpu_stream}}),",
     b"(Ptr{UInt8}, Ptr{LC.shmhub_gpu_stream_opts}, Ptr{Ptr{LC.shmhub_gpu_stream}}),"),
    ("extra value", b"handle(g), raw_ptr(src), Csize_t(n), raw_ptr(stream))",
     b"handle(g), raw_ptr(src), Csize_t(n), raw_ptr(stream), 0)"),
    ("unknown LC name", b"LC.SHMHUB_GPU_MIRROR", b"LC.SHMHUB_GPU_MIRRORED"),
    ("struct field missing", b"LC.shmhub_gpu_stream_opts(o.size, nslots, flags, o.reserved, cto, sptr)",
     b"LC.shmhub_gpu_stream_opts(o.size, nslots, flags, cto, sptr)"),
    ("unknown L name", b"L.SHMHUB_E_OVERWRITTEN", b"L.SHMHUB_E_OVERWRITE"),
]


def check_cuda_layer():
    """The CUDA layer's checks and mutation tests; returns the number of failures."""
    src = open(CUDA_HAND, "rb").read()
    core_text, cuda_text = open(GEN).read(), open(CUDA_GEN).read()
    types = CudaTypes()
    bad = types.p + cuda_problems(src, core_text, cuda_text, types)
    rel = os.path.relpath(CUDA_HAND, ROOT)
    for b in bad:
        print("check_handwritten: %s: %s" % (rel, b))
    if bad:
        return 1
    failed = 0
    for what, old, new in CUDA_MUTATIONS:
        if src.count(old) < 1:
            print("check_handwritten: cuda mutation '%s': text not found in %s" % (what, rel))
            failed = 1
        elif not cuda_problems(src.replace(old, new, 1), core_text, cuda_text, types):
            print("check_handwritten: cuda mutation '%s' was not caught" % what)
            failed = 1
    if not failed:
        print("check_handwritten: %s: %d ccalls match abi/shmhub_cuda.h (symbol, library, argument "
              "count and types, return type), every L./LC. name defined; %d mutations caught" % (
                  rel, len(re.findall(rb"\bccall\(", src)), len(CUDA_MUTATIONS)))
    return failed


MUTATIONS = [  # (what, old, new): each must make the check fail
    ("unknown function", b"L.shmhub_dict_len(", b"L.shmhub_dict_length("),
    ("missing argument", b"L.shmhub_dict_delete(handle(d), String(key))", b"L.shmhub_dict_delete(handle(d))"),
    ("extra argument", b"L.shmhub_pool_reclaim(handle(p), n)", b"L.shmhub_pool_reclaim(handle(p), n, 0)"),
    ("missing struct field", b"L.shmhub_pool_class(UInt64(first(c)), UInt32(last(c)), UInt32(0))",
     b"L.shmhub_pool_class(UInt64(first(c)), UInt32(last(c)))"),
    ("unknown constant", b"L.SHMHUB_VALUE_PICKLE", b"L.SHMHUB_VALUE_PICKLED"),
]


def main(argv):
    hand = argv[0] if argv else HAND
    gen = argv[1] if len(argv) > 1 else GEN
    src = open(hand, "rb").read()
    gen_text = open(gen).read()
    bad = problems(src, gen_text)
    for b in bad:
        print("check_handwritten: %s: %s" % (os.path.relpath(hand, ROOT), b))
    if bad:
        return 1
    failed = 0
    for what, old, new in MUTATIONS:
        if src.count(old) < 1:
            print("check_handwritten: mutation '%s': text not found in %s" % (what, hand))
            failed = 1
            continue
        if not problems(src.replace(old, new, 1), gen_text):
            print("check_handwritten: mutation '%s' was not caught" % what)
            failed = 1
    if failed:
        return 1
    print("check_handwritten: %s: every L.name defined, arities and fields match; %d mutations caught"
          % (os.path.relpath(hand, ROOT), len(MUTATIONS)))
    return check_cuda_layer() if not argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
