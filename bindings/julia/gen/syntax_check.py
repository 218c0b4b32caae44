#!/usr/bin/env python3
"""Parses Julia files with tree-sitter-julia and fails on any ERROR or MISSING node."""
import os
import sys

import tree_sitter as ts
import tree_sitter_julia as tsj

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FILES = ["bindings/julia/src/LibShmHub.jl", "bindings/julia/src/LibShmHubCuda.jl", "bindings/julia/src/ShmHub.jl",
         "bindings/julia/src/ShmHubCuda.jl", "examples/julia/analytics.jl",
         "examples/julia/demo_consumer.jl"]


def bad_nodes(root):
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_error or n.is_missing:
            out.append(n)
        stack.extend(n.children)
    return out


def main(argv):
    parser = ts.Parser(ts.Language(tsj.language()))
    failed = False
    for rel in argv or FILES:
        path = rel if os.path.isabs(rel) else os.path.join(ROOT, rel)
        tree = parser.parse(open(path, "rb").read())
        bad = bad_nodes(tree.root_node)
        if bad or tree.root_node.has_error:
            failed = True
            for n in sorted(bad, key=lambda n: n.start_byte)[:20]:
                print("syntax: %s:%d:%d: %s %r" % (rel, n.start_point[0] + 1, n.start_point[1] + 1,
                                                  "MISSING" if n.is_missing else "ERROR", n.text.decode()[:60]))
        else:
            print("syntax: %s: OK (%d nodes)" % (rel, sum(1 for _ in _walk(tree.root_node))))
    return 1 if failed else 0


def _walk(n):
    yield n
    for c in n.children:
        yield from _walk(c)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
