#!/usr/bin/env python3
"""Checks the hand-written layer (bindings/julia/src/ShmHub.jl) against the generated one
(LibShmHub.jl), statically (no Julia runtime exists here): every `L.name` it uses is defined in
LibShmHub.jl; every call `L.f(args...)` of a generated function passes as many arguments as the
function takes; every `L.S(fields...)` of a generated struct passes one value per field.
Then mutation tests: a copy with an unknown name, a missing argument or a missing field must fail.

    python bindings/julia/gen/check_handwritten.py [ShmHub.jl [LibShmHub.jl]]
"""
import os
import re
import sys

import tree_sitter as ts
import tree_sitter_julia as tsj

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HAND = os.path.join(ROOT, "bindings/julia/src/ShmHub.jl")
GEN = os.path.join(ROOT, "bindings/julia/src/LibShmHub.jl")


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


def problems(hand_src, gen_text):
    funcs, structs, consts = generated_names(gen_text)
    parser = ts.Parser(ts.Language(tsj.language()))
    tree = parser.parse(hand_src)
    out, stack, used = [], [tree.root_node], 0
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type != "field_expression" or len(n.named_children) != 2:
            continue
        obj, field = n.named_children
        if obj.type != "identifier" or obj.text != b"L" or field.type != "identifier":
            continue
        name = field.text.decode()
        line = n.start_point[0] + 1
        used += 1
        if name not in funcs and name not in structs and name not in consts:
            out.append("line %d: L.%s is not defined in LibShmHub.jl" % (line, name))
            continue
        call = n.parent
        if call is None or call.type != "call_expression" or call.named_children[0] != n:
            continue
        args = [c for c in call.named_children[1].named_children if c.type != "named_argument"]
        if name in funcs and len(args) != funcs[name]:
            out.append("line %d: L.%s takes %d arguments, called with %d" % (
                line, name, funcs[name], len(args)))
        elif name in structs and name not in funcs and len(args) != structs[name]:
            out.append("line %d: L.%s has %d fields, constructed with %d" % (
                line, name, structs[name], len(args)))
    if used == 0:
        out.append("no L.name use found: the parse is wrong")
    return out


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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
