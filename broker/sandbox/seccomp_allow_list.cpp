#include "sandbox/seccomp_allow_list.hpp"

#include <array>

namespace sysring::broker::sandbox {
namespace {

// From `strace -f` over brokers serving with churn (docs/SERVICE.md says how), grouped by
// who makes them. socket and clone are not here: seccomp_filter.cpp allows them with argument
// checks, and answers clone3 with ENOSYS so that glibc creates threads with clone.
constexpr std::array kSteadyState = {
    // Sources: /proc and /sys files kept open or reopened, directory scans, mount table polls.
    "read",
    "pread64",
    "readv",
    "lseek",
    "openat",
    "open",
    "close",
    "fstat",
    "newfstatat",
    "statx",
    "stat",
    "lstat",
    "statfs",
    "fstatfs",
    "getdents64",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "fcntl",
    "poll",
    "ppoll",
    // Netlink dumps of the network interfaces (the socket itself: seccomp_filter.cpp).
    "bind",
    "getsockname",
    "setsockopt",
    "sendto",
    "sendmsg",
    "recvmsg",
    "recvfrom",
    // The request server (broker/requests/): connections on the request socket, the caller's
    // SO_PEERCRED; the reply and its descriptors go with sendmsg, the request comes with recvmsg
    // (both above). perf_event_open (below) opens the counters of the caller's process.
    "accept4",
    "getsockopt",
    // Counters: CPU hotplug reopens events; group reads and enable/disable ioctls.
    "perf_event_open",
    "ioctl",
    // timex.* metrics: adjtimex with modes 0 only reads.
    "adjtimex",
    "clock_adjtime",
    // The tick's clock and sleep.
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "clock_nanosleep",
    "nanosleep",
    // Memory.
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    // Threads: the statfs worker replaces a caller stuck in statfs with a new thread.
    "futex",
    "set_robust_list",
    "rseq",
    "sched_yield",
    "sched_getaffinity",
    "gettid",
    "getpid",
    "exit",
    // Logging: stderr, or syslog over /dev/log (connected lazily on its first line).
    "write",
    "writev",
    "connect",
    // Signals: SIGTERM/SIGINT/SIGHUP, SIGSYS from this filter, abort().
    "rt_sigreturn",
    "rt_sigprocmask",
    "rt_sigaction",
    "tgkill",
    // Identity in log lines, the client library's liveness rule, std::random_device.
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "kill",
    "getrandom",
    "uname",
    // Shutdown: shm_unlink is unlink in /dev/shm.
    "unlink",
    "exit_group",
};

#ifdef SYSRING_SECCOMP_SANITIZER_CALLS
constexpr std::array kSanitizer = {
    "getdents",  // LeakSanitizer lists /proc/self/task with the old call
    "sigaltstack",
    "prctl",
    "ptrace",
    "wait4",
    "waitid",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "execve",
    "pipe",
    "pipe2",
    "dup",
    "dup2",
    "dup3",
    "getppid",
    "setsid",
    "getrlimit",
    "prlimit64",
    "setrlimit",
    "sched_getparam",
    "getpriority",
    "process_vm_readv",
    "mincore",
    "msync",
    "membarrier",
    "getcwd",
    "openat2",
    "getresuid",
    "getresgid",
    "tkill",
    "rt_sigtimedwait",
    "rt_sigsuspend",
    "pause",
    "sysinfo",
};
#endif

}  // namespace

std::span<const char* const> steady_state_calls() {
  return kSteadyState;
}

std::span<const char* const> sanitizer_calls() {
#ifdef SYSRING_SECCOMP_SANITIZER_CALLS
  return kSanitizer;
#else
  return {};
#endif
}

}  // namespace sysring::broker::sandbox
