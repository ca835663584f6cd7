"""Runs the Python example of docs/python.md as the page says: the fenced ```python block under
"## Example", saved as example.py, run by the page's own command line (the indented line that runs
example.py) from the checkout, in a clean environment (PATH and HOME only: no OASIS_* variable).
Usage: run_doc_example.py DOC WORK_DIR"""
import os
import re
import shutil
import subprocess
import sys

doc, work = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
section = re.search(r"^## Example\n(.*?)^## ", text, re.S | re.M)
if not section:
    sys.exit(f"{doc}: no '## Example' section")
block = re.search(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
command = re.search(r"^    (\S.*\bexample\.py)$", section.group(1), re.M)
if not block or not command:
    sys.exit(f"{doc}: the Example section needs a ```python block and an indented command running example.py")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
script = os.path.join(work, "example.py")
with open(script, "w", encoding="utf-8") as f:
    f.write(block.group(1))
checkout = os.path.dirname(os.path.dirname(os.path.abspath(doc)))
# The command as written, example.py being the block saved above.
line = re.sub(r"\bexample\.py$", script, command.group(1))
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
print(f"$ cd {checkout} && {command.group(1)}", flush=True)
rc = subprocess.call(["bash", "-c", line], cwd=checkout, env=env)
if rc != 0:
    sys.exit(f"docs/python.md example: exited with {rc}")
print("docs/python.md example: ran")
