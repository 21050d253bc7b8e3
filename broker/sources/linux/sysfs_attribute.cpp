#include "sysfs_attribute.hpp"

#include <cerrno>
#include <utility>

namespace sysring::broker::linux_instances {
namespace {

bool means_no_value(int err) {
  switch (err) {
    case ENOENT:
    case EINVAL:
    case ENODEV:
    case EOPNOTSUPP:
    case ENXIO:
    case ENODATA:
      return true;
    default:
      return false;
  }
}

Reading failed(int err) {
  return {means_no_value(err) ? layout::SlotStatus::kUnavailable : layout::SlotStatus::kReadError,
          0};
}

Reading decoded(AttributeFormat format, std::string_view text) {
  const AttributeValue v = parse_attribute(format, text);
  switch (v.status) {
    case AttributeValue::Status::kOk:
      return {layout::SlotStatus::kOk, v.value};
    case AttributeValue::Status::kAbsent:
      return {layout::SlotStatus::kUnavailable, 0};
    case AttributeValue::Status::kMalformed:
      break;
  }
  return {layout::SlotStatus::kReadError, 0};
}

}  // namespace

// sysfs attributes are produced in one piece (at most a page), so one pread reads them whole.
SysfsAttribute::SysfsAttribute(std::string path, AttributeFormat format)
    : file_(std::move(path), ProcfsFile::ReadMode::kWholeInOneRead), format_(format) {}

Reading SysfsAttribute::read() {
  if (!file_.is_open()) return failed(file_.open_error());
  int err = file_.refresh();
  if (err == ENODEV) {
    std::string path = file_.path();
    file_ = ProcfsFile(std::move(path), ProcfsFile::ReadMode::kWholeInOneRead);
    err = file_.is_open() ? file_.refresh() : file_.open_error();
  }
  if (err != 0) return failed(err);
  return decoded(format_, file_.contents());
}

Reading SysfsAttribute::read_once(std::string path, AttributeFormat format) {
  SysfsAttribute attribute(std::move(path), format);
  return attribute.read();
}

}  // namespace sysring::broker::linux_instances
