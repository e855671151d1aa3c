#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""docs/CONFORMANCE.md names only tests that exist, and links nothing
outside the repository.

Each test name (test_...) in the document is read with the prefix that last
came before it on its line: it/ (tests/integration/test_worker.c),
it/frag: / it/multiworker: / it/pcp: (test_frag.c, test_multiworker.c,
test_pcp.c), unit/NAME[:] (tests/unit/test_NAME.c), e2e/
(tests/e2e/NAME.py). A name ending in * is a pattern (fnmatch) that must
match at least one test. A C test exists when the file, or one of the
files its tests were split into (test_worker_<group>.c, ...), defines a
function of that name. File names (test_x.c, test_x.py) are not test names.

    check_conformance.py SOURCE_ROOT
"""
import fnmatch
import glob
import os
import re
import sys

PREFIX = r"(it/frag:|it/multiworker:|it/pcp:|unit/\w+:?|it/|e2e/)"
TOKEN = re.compile(PREFIX + r"?\s*(test_\w+\*?)(\.c|\.py)?")
C_FILES = {"it/": "integration/test_worker*.c", "it/frag:": "integration/test_frag*.c",
           "it/multiworker:": "integration/test_multiworker*.c",
           "it/pcp:": "integration/test_pcp*.c"}


def c_tests(root, rel):
    names = set()
    for path in glob.glob(os.path.join(root, "tests", rel)):
        with open(path) as f:
            names |= set(re.findall(r"(?m)^(test_\w+)\(", f.read()))
    return names


def known(root, ctx):
    if ctx == "e2e/":
        d = os.path.join(root, "tests", "e2e")
        return {n[:-3] for n in os.listdir(d) if n.startswith("test_") and n.endswith(".py")}
    if ctx.startswith("unit/"):
        return c_tests(root, f"unit/test_{ctx[5:].rstrip(':')}.c")
    return c_tests(root, C_FILES[ctx])


def main(root):
    path = os.path.join(root, "docs", "CONFORMANCE.md")
    with open(path) as f:
        text = f.read()
    bad = []
    for m in re.finditer(r"\]\((?!#)([^)]*)\)|(\.\./\S+)", text):
        target = m.group(1) or m.group(2)
        if target.startswith(("http:", "https:", "../", "/")):
            bad.append(f"link outside the repository: {target}")
    n = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        ctx = None
        for m in TOKEN.finditer(line):
            if m.group(1):
                ctx = m.group(1)
            name, ext = m.group(2), m.group(3)
            if ext:
                continue        # a file name
            n += 1
            if ctx is None:
                bad.append(f"line {lineno}: {name} has no it/, unit/ or e2e/ before it")
                continue
            tests = known(root, ctx)
            if not fnmatch.filter(tests, name):
                bad.append(f"line {lineno}: {ctx}{name} does not exist")
    for b in bad:
        print(b)
    print(f"{n} test names checked, {len(bad)} problems")
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
