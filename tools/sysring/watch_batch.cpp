#include "watch_batch.hpp"

#include <algorithm>
#include <string>

namespace sysring::cli {
BatchView::BatchView(const Client& client, const RingFollower& follower, const Batch& batch)
    : client_(client), follower_(follower) {
  values_.reserve(batch.values.size() + batch.strings.size() + batch.counters.size());
  for (const Delta& v : batch.values) {
    const Descriptor* d = describe(v.id);
    values_.push_back({d, v.row, owner_of(*d, v.row), v.bits, nullptr, nullptr});
  }
  for (const StringDelta& s : batch.strings) {
    const Descriptor* d = describe(s.id);
    values_.push_back({d, 0, owner_of(*d, 0), 0, &s.text, nullptr});
  }
  for (const CounterDelta& c : batch.counters) {
    const Descriptor* d = describe(c.id);
    values_.push_back({d, c.row, owner_of(*d, c.row), c.totals.count, nullptr, &c.totals});
  }
  std::stable_sort(values_.begin(), values_.end(), [](const WatchValue& a, const WatchValue& b) {
    const auto x = static_cast<unsigned>(a.descriptor->id);
    const auto y = static_cast<unsigned>(b.descriptor->id);
    return x != y ? x < y : a.row < b.row;
  });
  unavailable_.reserve(batch.unavailable.size());
  for (const CellRef& cell : batch.unavailable) {
    const Descriptor* d = describe(cell.id);
    unavailable_.push_back({d, owner_of(*d, cell.row)});
  }
}

const Descriptor* BatchView::describe(MetricId id) {
  if (const Descriptor* d = client_.descriptor(id)) return d;
  Descriptor& d = placeholders_.emplace_back();
  d.id = id;
  d.name = "#" + std::to_string(static_cast<unsigned>(id));
  return &d;
}

ValueOwner BatchView::owner_of(const Descriptor& d, std::uint32_t row) const {
  if (d.domain == InstanceDomain::None) return {};
  if (const InstanceEvent* e = follower_.instance(d.domain, row)) {
    return {false, e->name, e->labels};
  }
  return {false, "row " + std::to_string(row), {}};  // a row no event described: say which
}

std::string unavailable_text(const Descriptor& d) {
  return d.unavailable_reason.empty() ? "unavailable" : "unavailable: " + d.unavailable_reason;
}

}  // namespace sysring::cli
