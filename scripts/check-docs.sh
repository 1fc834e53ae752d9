#!/usr/bin/env bash
# Lists every `public` or `open` declaration (func, init, subscript, var, let, struct, class, actor, enum, protocol,
# typealias, associatedtype, macro) in the Swift files under the given directories (or files) that has no `///` doc
# comment (or `/** ... */` block) directly above it. Only attribute lines (@inlinable, @inline(__always),
# @discardableResult, @usableFromInline, @available(...), ...) may stand between the comment and the declaration; a
# blank line or a `//` comment may not. `case` and `extension` need no comment, and members of a `public extension`
# without a `public` of their own are not looked at (the check reads modifiers, not types).
#
# Usage: scripts/check-docs.sh [DIR|FILE ...]   (default: Sources Plugins, relative to the current directory)
# Prints `file:line: declaration` for each undocumented one and a summary line; exits 1 if there is any, 0 if
# there is none, 2 on a usage error (a path that does not exist, no python3).
set -euo pipefail

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,11s/^# \{0,1\}//p' "$0"
    exit 0
fi
if [ $# -eq 0 ]; then set -- Sources Plugins; fi
for path in "$@"; do
    [ -e "$path" ] || { echo "check-docs: $path: no such file or directory" >&2; exit 2; }
done
command -v python3 > /dev/null || { echo "check-docs: python3 not found" >&2; exit 2; }

find "$@" -type f -name '*.swift' -not -path '*/.build*' -print0 | sort -z | python3 -c '
import re, sys

files = [f for f in sys.stdin.buffer.read().decode().split("\0") if f]

# Leading attributes on the declaration line itself: @inlinable, @inline(__always), @available(macOS 13, *), ...
ATTRIBUTE = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*(\([^()]*(\([^()]*\))?[^()]*\))?\s*")
MODIFIERS = {
    "public", "open", "package", "internal", "fileprivate", "private", "static", "final", "override", "required",
    "convenience", "mutating", "nonmutating", "nonisolated", "lazy", "weak", "unowned", "dynamic", "indirect",
    "optional", "prefix", "postfix", "infix", "consuming", "borrowing", "__consuming", "distributed", "isolated",
}
ACCESS_SETTER = re.compile(r"^(public|open|package|internal|fileprivate|private)\((set|unsafe|safe)\)$")
KEYWORD = re.compile(r"^(func|init|subscript|var|let|struct|class|actor|enum|protocol|typealias|associatedtype|macro)"
                     r"(?![A-Za-z0-9_])")

def attributes_only(code):
    """True when `code` holds nothing but attributes (`@inlinable @inline(__always)`)."""
    if not code.startswith("@"):
        return False
    while code.startswith("@"):
        match = ATTRIBUTE.match(code)
        if not match:
            return False
        code = code[match.end():]
    return code == ""

def declaration(code):
    """Returns True when `code` (a line without its indentation) declares something public or open."""
    while code.startswith("@"):
        match = ATTRIBUTE.match(code)
        if not match:
            return False
        code = code[match.end():]
    words = code.split()
    access = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("public", "open"):
            access = True
        elif word == "class" and i + 1 < len(words) and KEYWORD.match(words[i + 1]) \
                and not words[i + 1].startswith(("struct", "class", "enum", "protocol", "actor")):
            pass  # `class func`, `class var`: a modifier here
        elif word not in MODIFIERS and not ACCESS_SETTER.match(word):
            break
        i += 1
    return access and i < len(words) and KEYWORD.match(words[i]) is not None

def documented(lines, index):
    """True when the nearest line above lines[index] that is not just attributes ends a doc comment."""
    i = index - 1
    while i >= 0:
        line = lines[i].strip()
        if attributes_only(line):
            i -= 1
            continue
        if line.startswith("///"):
            return True
        if line.endswith("*/"):  # the end of a block comment: a doc comment when it opened with /**
            while i >= 0 and "/*" not in lines[i]:
                i -= 1
            return i >= 0 and "/**" in lines[i]
        return False
    return False

missing = 0
checked = 0
for path in files:
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    in_block = False   # inside /* ... */ (not nested: enough for this code base)
    in_string = False  # inside a """ multi-line string literal
    for index, raw in enumerate(lines):
        line = raw.strip()
        if in_string:
            if line.count("\"\"\"") % 2 == 1:
                in_string = False
            continue
        if in_block:
            if "*/" in line:
                in_block = False
            continue
        if line.startswith("/*") and "*/" not in line:
            in_block = True
            continue
        if declaration(line):
            checked += 1
            if not documented(lines, index):
                missing += 1
                print(f"{path}:{index + 1}: {line}")
        if line.count("\"\"\"") % 2 == 1:
            in_string = True

where = " ".join(sys.argv[1:])
print(f"check-docs: {missing} of {checked} public declarations without a /// doc comment in {len(files)} files "
      f"({where})")
sys.exit(1 if missing else 0)
' "$@"
