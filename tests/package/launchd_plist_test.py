#!/usr/bin/env python3
"""The launchd daemon's plist: parses, has a Label, ProgramArguments that start with the
installed sysringd and keep it in the foreground, a KeepAlive, and no top-level key that
launchd.plist(5) does not document (a misspelt key is ignored by launchd, silently).

  launchd_plist_test.py PLIST EXPECTED_SYSRINGD_PATH [PLIST EXPECTED_SYSRINGD_PATH ...]
"""
import plistlib
import sys

# launchd.plist(5), macOS 13/14: every top-level key of a job's property list.
LAUNCHD_KEYS = {
    "Label", "Disabled", "UserName", "GroupName", "inetdCompatibility", "LimitLoadToHosts",
    "LimitLoadFromHosts", "LimitLoadToSessionType", "LimitLoadToHardware",
    "LimitLoadFromHardware", "Program", "ProgramArguments", "EnableGlobbing",
    "EnableTransactions", "EnablePressuredExit", "OnDemand", "ServiceIPC", "KeepAlive",
    "RunAtLoad", "RootDirectory", "WorkingDirectory", "EnvironmentVariables", "Umask",
    "TimeOut", "ExitTimeOut", "ThrottleInterval", "InitGroups", "WatchPaths", "QueueDirectories",
    "StartOnMount", "StartInterval", "StartCalendarInterval", "StandardInPath",
    "StandardOutPath", "StandardErrorPath", "Debug", "WaitForDebugger", "SoftResourceLimits",
    "HardResourceLimits", "Nice", "ProcessType", "AbandonProcessGroup", "LowPriorityIO",
    "LowPriorityBackgroundIO", "MaterializeDatalessFiles", "LaunchOnlyOnce", "MachServices",
    "Sockets", "LaunchEvents", "SessionCreate", "AssociatedBundleIdentifiers",
}
KEEPALIVE_KEYS = {"SuccessfulExit", "NetworkState", "PathState", "OtherJobEnabled", "Crashed",
                  "AfterInitialDemand"}


def check(path, sysringd):
    problems = []
    with open(path, "rb") as f:
        try:
            job = plistlib.load(f)
        except Exception as e:  # plistlib raises expat and value errors alike
            return [f"does not parse: {e}"]
    if not isinstance(job, dict):
        return ["the top level is not a dictionary"]
    unknown = sorted(set(job) - LAUNCHD_KEYS)
    if unknown:
        problems.append(f"keys launchd.plist(5) does not know: {unknown}")
    if job.get("Label") != "org.sysring.sysringd":
        problems.append(f"Label is {job.get('Label')!r}")
    args = job.get("ProgramArguments")
    if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
        problems.append("ProgramArguments is not a non-empty list of strings")
    else:
        if args[0] != sysringd:
            problems.append(f"ProgramArguments starts with {args[0]!r}, not {sysringd!r}")
        if "--foreground" not in args and "-f" not in args:
            # launchd supervises the process: a broker that detaches looks like an exit.
            problems.append("sysringd is not run with --foreground")
    if "Program" in job and job["Program"] != sysringd:
        problems.append(f"Program {job['Program']!r} is not {sysringd!r}")
    keep = job.get("KeepAlive")
    if isinstance(keep, dict):
        if set(keep) - KEEPALIVE_KEYS:
            problems.append(f"KeepAlive keys launchd does not know: {sorted(set(keep) - KEEPALIVE_KEYS)}")
    elif not isinstance(keep, bool):
        problems.append("no KeepAlive (a boolean or a dictionary of conditions)")
    if "UserName" in job and job["UserName"] != "root":
        problems.append("not run as root: KPC counters need it on macOS")
    return problems


def main():
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
    if not pairs or len(sys.argv) % 2 != 1:
        sys.exit(__doc__)
    failed = False
    for path, sysringd in pairs:
        problems = check(path, sysringd)
        print(f"{path}: {'ok' if not problems else '; '.join(problems)}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
