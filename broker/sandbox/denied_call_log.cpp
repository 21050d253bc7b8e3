#include "sandbox/denied_call_log.hpp"

#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sysring/errno_text.hpp"

namespace sysring::broker::sandbox {
namespace {

// x86_64 and aarch64 number their calls below 512; a higher number is reported without a name.
constexpr int kNamedCalls = 512;
constexpr std::size_t kNameBytes = 32;
// si_code of a SIGSYS raised by a seccomp filter (SYS_SECCOMP in <asm-generic/siginfo.h>).
constexpr int kSigsysSeccomp = 1;

// Filled before the filter is loaded; the handler only reads them.
std::array<std::array<char, kNameBytes>, kNamedCalls> g_call_names{};
std::array<std::atomic<bool>, kNamedCalls + 1> g_reported{};  // the last: every number above
int g_syslog_fd = -1;
std::array<char, 32> g_syslog_prefix{};  // "<28>sysringd[PID]: "

// A line in a stack buffer: appends are bounded and allocate nothing (async-signal-safe).
class LineBuffer {
 public:
  void add(std::string_view text) {
    const std::size_t n = std::min(text.size(), data_.size() - used_);
    std::memcpy(data_.data() + used_, text.data(), n);
    used_ += n;
  }
  void add_number(long value) {
    std::array<char, 24> digits{};
    std::size_t i = digits.size();
    const bool negative = value < 0;
    unsigned long v =
        negative ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
      digits[--i] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && i > 1);
    if (negative) digits[--i] = '-';
    add(std::string_view(digits.data() + i, digits.size() - i));
  }
  [[nodiscard]] const char* data() const { return data_.data(); }
  [[nodiscard]] std::size_t size() const { return used_; }

 private:
  std::array<char, 192> data_{};
  std::size_t used_ = 0;
};

void report_denied_call(int number) {
  LineBuffer line;
  if (g_syslog_fd >= 0) {
    line.add(g_syslog_prefix.data());
  } else {
    line.add("sysringd: warn: ");
  }
  line.add("seccomp denied system call ");
  line.add_number(number);
  line.add(" (");
  line.add(number >= 0 && number < kNamedCalls && g_call_names[number][0] != '\0'
               ? g_call_names[number].data()
               : "unknown");
  line.add("): it failed with EPERM; `sysringd --seccomp off` runs without the filter");
  if (g_syslog_fd >= 0) {
    (void)!::send(g_syslog_fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } else {
    line.add("\n");
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
}

// The value the interrupted call returns, in the saved registers the kernel restores.
void return_eperm(void* context) {
#if defined(__x86_64__)
  static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
  static_cast<ucontext_t*>(context)->uc_mcontext.regs[0] = static_cast<unsigned long long>(-EPERM);
#else
  (void)context;
#endif
}

// SCMP_ACT_TRAP skips the call and raises SIGSYS; the value left in the return register is what
// the caller's libc sees, so -EPERM reads as an ordinary refusal (-1, errno EPERM).
extern "C" void on_denied_call(int /*signo*/, siginfo_t* info, void* context) {
  // Only the kernel's SIGSYS for a filtered call has a call to answer; `kill -SYS` is ignored.
  if (info->si_code != kSigsysSeccomp) return;
  const int saved_errno = errno;
  return_eperm(context);
  const int number = info->si_syscall;
  const std::size_t slot =
      number >= 0 && number < kNamedCalls ? static_cast<std::size_t>(number) : kNamedCalls;
  if (!g_reported[slot].exchange(true)) report_denied_call(number);
  errno = saved_errno;
}

void fill_call_names() {
  for (int number = 0; number < kNamedCalls; ++number) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
    if (name == nullptr) continue;
    std::strncpy(g_call_names[number].data(), name, kNameBytes - 1);
    std::free(name);  // NOLINT(cppcoreguidelines-no-malloc): libseccomp allocates with malloc
  }
}

// syslog(3) is not async-signal-safe: the handler sends its own datagram to /dev/log.
void open_syslog_socket() {
  g_syslog_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (g_syslog_fd < 0) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, "/dev/log", sizeof address.sun_path - 1);
  if (::connect(g_syslog_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(g_syslog_fd);
    g_syslog_fd = -1;
    return;
  }
  // LOG_DAEMON | LOG_WARNING, the tag openlog("sysringd", LOG_PID) gives the other lines.
  const std::string prefix = "<28>sysringd[" + std::to_string(::getpid()) + "]: ";
  std::strncpy(g_syslog_prefix.data(), prefix.c_str(), g_syslog_prefix.size() - 1);
}

}  // namespace

bool denied_call_trap_supported() {
#if defined(__x86_64__) || defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

void install_denied_call_handler(bool log_to_syslog) {
  fill_call_names();
  if (log_to_syslog) open_syslog_socket();
  struct sigaction sa {};
  sa.sa_sigaction = on_denied_call;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  if (::sigaction(SIGSYS, &sa, nullptr) != 0) {
    throw std::runtime_error(std::string("seccomp: sigaction(SIGSYS): ") + errno_text(errno));
  }
  // A thread that blocked SIGSYS would be killed by a denied call instead.
  sigset_t sigsys;
  sigemptyset(&sigsys);
  sigaddset(&sigsys, SIGSYS);
  ::pthread_sigmask(SIG_UNBLOCK, &sigsys, nullptr);
}

}  // namespace sysring::broker::sandbox
