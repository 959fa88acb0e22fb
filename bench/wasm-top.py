#!/usr/bin/env python3
"""Where a wasm module's code bytes go: function bodies grouped by crate (from the name section).

    python3 bench/wasm-top.py FILE.wasm [N]

Needs a module that still has its name section (before stripping)."""
import collections
import sys


def leb(data, i):
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def sections(data):
    i = 8
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        yield sid, data[j:j + size]
        i = j + size


def main():
    data = open(sys.argv[1], "rb").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    imported = 0
    bodies = []
    names = {}
    for sid, body in sections(data):
        if sid == 2:  # imports: functions among them shift the index space
            count, i = leb(body, 0)
            for _ in range(count):
                for _ in range(2):
                    n, i = leb(body, i)
                    i += n
                kind = body[i]
                i += 1
                if kind == 0:
                    _, i = leb(body, i)
                    imported += 1
                elif kind == 1:
                    i += 1
                    flags, i = leb(body, i)
                    _, i = leb(body, i)
                    if flags & 1:
                        _, i = leb(body, i)
                elif kind == 2:
                    flags, i = leb(body, i)
                    _, i = leb(body, i)
                    if flags & 1:
                        _, i = leb(body, i)
                elif kind == 3:
                    i += 2
                else:
                    _, i = leb(body, i)
        elif sid == 10:
            count, i = leb(body, 0)
            for _ in range(count):
                size, j = leb(body, i)
                bodies.append(size)
                i = j + size
        elif sid == 0:
            n, i = leb(body, 0)
            if body[i:i + n] != b"name":
                continue
            i += n
            while i < len(body):
                sub = body[i]
                size, j = leb(body, i + 1)
                if sub == 1:
                    count, k = leb(body, j)
                    for _ in range(count):
                        idx, k = leb(body, k)
                        ln, k = leb(body, k)
                        names[idx] = body[k:k + ln].decode("utf8", "replace")
                        k += ln
                i = j + size
    groups = collections.Counter()
    for n, size in enumerate(bodies):
        name = names.get(n + imported, "?")
        name = name.lstrip("<").replace("_<", "")
        crate = name.split("::")[0] if "::" in name else name.split("$")[0][:30]
        groups[crate] += size
    total = sum(bodies)
    print(f"code bytes: {total} in {len(bodies)} functions; module {len(data)} bytes")
    for crate, size in groups.most_common(top):
        print(f"{size:>9} {100 * size / total:5.1f}%  {crate}")


main()
