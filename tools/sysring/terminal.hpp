// The terminal side of `sysring top`: taking the screen over (raw keys, alternate screen, hidden
// cursor) and giving it back exactly as found, its size, and a wait that wakes for a key, a
// resize (SIGWINCH) or a stop signal without ever missing one.
#pragma once

#include <signal.h>
#include <termios.h>

#include <cstdint>
#include <string_view>

#include "top_layout.hpp"

namespace sysring::cli {

// Blocks SIGINT, SIGTERM and SIGWINCH while alive, except inside wait(): a signal that arrives
// between checking the flags and going to sleep then ends that sleep instead of being lost.
// Installs the SIGWINCH handler (the stop handlers are stop_signal's).
class SignalGate {
 public:
  SignalGate();
  ~SignalGate();
  SignalGate(const SignalGate&) = delete;
  SignalGate& operator=(const SignalGate&) = delete;

  // Sleeps up to `timeout_ns` or until `fd` (-1: none) is readable or a signal arrives. True
  // when `fd` is readable.
  bool wait(int fd, std::uint64_t timeout_ns) const;

 private:
  sigset_t previous_{};
};

// True once per SIGWINCH burst: the terminal changed size since the last call.
[[nodiscard]] bool take_resize();

// The terminal on `out_fd` taken over for a full-screen view. Keys are read from `in_fd` when
// it is a terminal too. The destructor restores everything (also when an exception unwinds).
class Terminal {
 public:
  Terminal(int in_fd, int out_fd);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  [[nodiscard]] ScreenSize size() const;
  // The fd to wait on for keys, -1 when there is no keyboard.
  [[nodiscard]] int key_fd() const noexcept { return raw_ ? in_fd_ : -1; }
  // Reads the keys waiting; true when one of them asks to quit (q, Q, Ctrl-C, Ctrl-D) or the
  // terminal hung up.
  [[nodiscard]] bool read_quit_keys() const;
  // Writes all of `bytes` (one write() unless the terminal takes less).
  void write_all(std::string_view bytes) const;

 private:
  int in_fd_;
  int out_fd_;
  bool raw_ = false;
  termios saved_{};
};

}  // namespace sysring::cli
