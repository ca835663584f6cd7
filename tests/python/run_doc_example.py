"""Runs the Python example of docs/python.md as written: the fenced ```python block that follows
the heading "## Example", in a fresh working folder. Usage: run_doc_example.py DOC WORK_DIR"""
import os
import re
import shutil
import sys

doc, work = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
m = re.search(r"^## Example\n.*?^```python\n(.*?)^```", text, re.S | re.M)
if not m:
    sys.exit(f"{doc}: no ```python block under '## Example'")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chdir(work)
os.environ.setdefault("OASIS_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.abspath(doc))))
exec(compile(m.group(1), f"{doc} (example)", "exec"), {"__name__": "__main__"})
print("docs/python.md example: ran")
