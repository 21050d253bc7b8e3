#include "terminal.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "exit_codes.hpp"
#include "output.hpp"
#include "sysring/errno_text.hpp"
#include "top_frame.hpp"

namespace sysring::cli {
namespace {

volatile std::sig_atomic_t g_resized = 0;

extern "C" void on_resize(int /*signo*/) {
  g_resized = 1;
}

// A typical terminal, for the moment a size is not known.
constexpr ScreenSize kFallbackSize{80, 24};

}  // namespace

SignalGate::SignalGate() {
  struct sigaction sa {};
  sa.sa_handler = on_resize;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGWINCH, &sa, nullptr);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGWINCH);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &previous_);  // top has one thread
}

SignalGate::~SignalGate() {
  ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

bool SignalGate::wait(int fd, std::uint64_t timeout_ns) const {
  const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000ULL),
                         static_cast<long>(timeout_ns % 1'000'000'000ULL)};
  // The signals are unblocked only for the duration of the sleep (EINTR: the caller checks).
#ifdef __APPLE__
  // macOS has no ppoll; pselect takes the same signal mask.
  fd_set readable;
  FD_ZERO(&readable);
  if (fd >= 0) FD_SET(fd, &readable);
  const int ready =
      ::pselect(fd >= 0 ? fd + 1 : 0, &readable, nullptr, nullptr, &timeout, &previous_);
  return ready > 0 && fd >= 0 && FD_ISSET(fd, &readable);
#else
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::ppoll(&pfd, fd >= 0 ? 1 : 0, &timeout, &previous_);
  return ready > 0 && (pfd.revents & (POLLIN | POLLHUP)) != 0;
#endif
}

bool take_resize() {
  if (g_resized == 0) return false;
  g_resized = 0;
  return true;
}

Terminal::Terminal(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {
  if (::isatty(in_fd_) == 1 && ::tcgetattr(in_fd_, &saved_) == 0) {
    termios raw = saved_;
    // Keys one at a time and not echoed; ISIG stays, so Ctrl-C is still SIGINT.
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    raw_ = ::tcsetattr(in_fd_, TCSANOW, &raw) == 0;
  }
  write_all(kEnterScreen);
}

Terminal::~Terminal() {
  try {
    write_all(kLeaveScreen);
  } catch (...) {  // the terminal went away: nothing left to restore on it
  }
  if (raw_) (void)::tcsetattr(in_fd_, TCSANOW, &saved_);
}

ScreenSize Terminal::size() const {
  winsize ws{};
  if (::ioctl(out_fd_, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) {
    return kFallbackSize;
  }
  return {ws.ws_col, ws.ws_row};
}

bool Terminal::read_quit_keys() const {
  char keys[64];
  const ssize_t n = ::read(in_fd_, keys, sizeof keys);
  // Readable yet nothing to read: the terminal hung up, and a view nobody sees should end.
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
  for (ssize_t i = 0; i < n; ++i) {
    const char key = keys[i];
    if (key == 'q' || key == 'Q' || key == '\x03' || key == '\x04') return true;
  }
  return false;
}

void Terminal::write_all(std::string_view bytes) const {
  while (!bytes.empty()) {
    const ssize_t n = ::write(out_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == EIO)) throw OutputClosed{};
    if (n < 0) throw CliError(kExitError, "cannot write to the terminal: " + errno_text(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace sysring::cli
