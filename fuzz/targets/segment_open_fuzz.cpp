// The whole-segment validator and the open path (client-lib/client.cpp, segment_validator.cpp):
// the input is a whole segment image. It is written into a shared-memory object this process
// owns (mode 0644) and opened through the public Client::open, which fstat-checks, maps and
// validates it; a segment that passes is then read the way clients read one: every scalar, the
// instance directory, every family, and the ring through a RingFollower.
// Hostile images must give sysring::Error and nothing else.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sysring/client.hpp"
#include "sysring/error.hpp"
#include "sysring/ring_follower.hpp"

namespace {

// One object, rewritten for every input.
class FuzzObject {
 public:
  FuzzObject() : name_("/sysring-fuzz-open-" + std::to_string(::getpid())) {
    ::shm_unlink(name_.c_str());
    fd_ = ::shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0 || ::fchmod(fd_, 0644) != 0) std::abort();
    std::atexit([] { ::shm_unlink(instance().name_.c_str()); });
  }
  static FuzzObject& instance() {
    static FuzzObject* object = new FuzzObject();
    return *object;
  }
  void write(const std::uint8_t* data, std::size_t size) const {
    if (::ftruncate(fd_, 0) != 0 || ::ftruncate(fd_, static_cast<off_t>(size)) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
  }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  int fd_ = -1;
};

// Everything a client may read from an open segment; any of it may throw sysring::Error.
void read_everything(const sysring::Client& client) {
  sysring::ValueSnapshot snapshot;
  (void)client.read_all(snapshot);
  for (const sysring::Descriptor& d : client.descriptors()) {
    sysring::Scalar scalar;
    (void)client.read(d.id, scalar);
    sysring::CounterTotals totals;
    (void)client.read_counter(d.id, totals);
    sysring::Text text;
    (void)client.read_text(d.id, text);
    (void)client.find(d.name);
  }
  (void)client.info();
  (void)client.health();
  if (client.directory_generation() != 0) {
    const auto directory = client.instances();
    for (const sysring::Descriptor& d : client.descriptors()) {
      if (d.domain != sysring::InstanceDomain::None) (void)client.read_family(d.id);
    }
    (void)directory;
  }
  sysring::RingFollower follower(client);
  sysring::Batch batch;
  for (int i = 0; i < 4; ++i) (void)follower.poll(batch);  // snapshot, then what the ring holds
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzObject& object = FuzzObject::instance();
  object.write(data, size);
  sysring::OpenOptions options;
  options.name = object.name();
  options.expected_owner = ::geteuid();
  options.require_live = false;  // the image's broker pid is not running here
  try {
    const sysring::Client client = sysring::Client::open(options);
    read_everything(client);
  } catch (const sysring::Error&) {
    // A refused segment: the expected outcome for almost every input.
  }
  return 0;
}
