#!/usr/bin/env python3
"""The man pages in packaging/man against the binaries they describe: each renders with no groff
warning and passes lexgrog (what man-db's index needs); every flag in the binary's --help is
documented in the page (an exporter collector in its COLLECTORS list), every flag the page's
OPTIONS list documents exists, and every verb of `sysring --help` is in sysring(1).

Environment: SYSRINGD, SYSRING_CLI, SYSRING_EXPORTER (the binaries), MAN_DIR.
Exit status: 0 pass, 1 fail, 77 skipped (groff or lexgrog missing)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

MAN_DIR = Path(os.environ["MAN_DIR"])
PAGES = [("sysringd.8", os.environ["SYSRINGD"]),
         ("sysring.1", os.environ["SYSRING_CLI"]),
         ("sysring-exporter.1", os.environ["SYSRING_EXPORTER"])]
# Documented once for all collectors: --collector.NAME and --no-collector.NAME.
GENERIC_TERMS = {"collector.name", "no-collector.name"}


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def rendered(page):
    """The page as plain text (no bold or underline overstrikes)."""
    out = run(["groff", "-man", "-Tascii", "-P-c", str(page)]).stdout
    return re.sub(r".\x08", "", out)


def section(text, title, next_titles):
    """Text from the heading line `title` to the next heading among next_titles."""
    found = re.search(rf"^ *{re.escape(title)}$(.*?)(?=^ *(?:{'|'.join(next_titles)})$|\Z)",
                      text, re.M | re.S)
    return found.group(1) if found else ""


def help_flags(help_text):
    """Long flags of a Boost.Program_options --help: '  -h [ --help ]', '  --segment arg'."""
    return set(re.findall(r"^  (?:-\w \[ )?--([a-z][\w.-]*)", help_text, re.M))


def check_page(name, binary):
    problems = []
    page = MAN_DIR / name
    lint = run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)])
    if lint.returncode != 0 or lint.stderr:
        problems.append(f"groff warns: {lint.stderr.strip()}")
    if run(["lexgrog", str(page)]).returncode != 0:
        problems.append("lexgrog cannot parse its NAME section")

    text = rendered(page)
    help_text = run([binary, "--help"]).stdout
    flags = help_flags(help_text)
    if not flags:
        problems.append(f"no flags found in `{binary} --help`")
    collectors = section(text, "COLLECTORS", ["EXIT STATUS"])
    for flag in sorted(flags):
        collector = re.fullmatch(r"(?:no-)?collector\.([a-z_]+)", flag)
        if collector and collector.group(1) != "disable-defaults":
            if not re.search(rf"^ {{7}}{collector.group(1)}(?: |$)", collectors, re.M):
                problems.append(f"collector {collector.group(1)} not under COLLECTORS")
        elif f"--{flag}" not in text:
            problems.append(f"--{flag} is not documented")

    options = section(text, "OPTIONS", ["SELECTORS", "CONFIGURATION FILE", "COLLECTORS",
                                        "EXIT STATUS"])
    terms = re.findall(r"^ {7}(?:-\w, )?--([a-z][\w.-]*)", options, re.M)
    for term in sorted(set(terms) - flags - GENERIC_TERMS):
        problems.append(f"documents --{term}, which --help does not list")

    if name == "sysring.1":
        verbs_block = re.search(r"^Verbs:\n(.*?)\n\n", help_text, re.M | re.S).group(1)
        verbs = re.findall(r"^  (\w+)", verbs_block, re.M)
        documented = section(text, "Verbs", ["OPTIONS"])
        for verb in verbs:
            if not re.search(rf"^ {{7}}{verb}\b", documented, re.M):
                problems.append(f"verb {verb} is not under Verbs")
        if len(verbs) < 5:
            problems.append(f"only {len(verbs)} verbs found in `sysring --help`")
    return [f"{name}: {p}" for p in dict.fromkeys(problems)]  # once per collector


def main():
    for tool in ("groff", "lexgrog"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed (scripts/bootstrap.sh installs it)")
            return 77
    problems = []
    for name, binary in PAGES:
        problems += check_page(name, binary)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(f"PASS: {len(PAGES)} man pages render cleanly and match --help")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
