// A fake kernel behind the InstanceSeam: the three replies as byte fixtures that tests change
// between refreshes, an errno per call, and a count of calls.
#pragma once

#include <vector>

#include "instance_seam.hpp"
#include "reply_fixtures.hpp"

namespace sysring::darwin_fixtures {

class FakeInstanceSeam final : public broker::darwin::InstanceSeam {
 public:
  struct Table {
    ByteVec reply;
    int error = 0;
    int calls = 0;
  };
  Table cpu_load, interfaces, mounts;

  int read_cpu_load(std::vector<std::uint8_t>& out) override { return serve(cpu_load, out); }
  int read_interface_list(std::vector<std::uint8_t>& out) override {
    return serve(interfaces, out);
  }
  int read_mount_list(std::vector<std::uint8_t>& out) override { return serve(mounts, out); }

 private:
  static int serve(Table& t, std::vector<std::uint8_t>& out) {
    ++t.calls;
    out.clear();
    if (t.error != 0) return t.error;
    out.assign(t.reply.begin(), t.reply.end());
    return 0;
  }
};

}  // namespace sysring::darwin_fixtures
