#!/usr/bin/env python3
"""Copies each docs/examples file into the block of docs/*.md that names it.

A ```cpp block is matched by its first line, `// docs/examples/NAME.cpp`, a ```cmake block by
`# docs/examples/.../CMakeLists.txt`; everything up to the closing ``` is replaced by the file. Run it after editing an example; the `docs.snippets` CTest check
(docs/check_snippets.cpp) fails whenever a chapter and its example files disagree.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
block = re.compile(r"```(cpp|cmake)\n((?://|#) (docs/examples/[\w./-]+(?:\.cpp|CMakeLists\.txt))\n.*?)```", re.S)
for md in sorted((root / "docs").glob("*.md")):
    text = md.read_text()

    def repl(m):
        src = (root / m.group(3)).read_text()
        return "```" + m.group(1) + "\n" + src + "```"

    new = block.sub(repl, text)
    if new != text:
        md.write_text(new)
        print(f"updated {md.relative_to(root)}")
