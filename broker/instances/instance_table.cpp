#include "instances/instance_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace sysring::broker {

InstanceTable::InstanceTable(std::span<const std::uint32_t> capacities, std::uint64_t quarantine_ns,
                             std::uint64_t first_registration, std::size_t directory_budget,
                             const InstanceLimits& limits)
    : domains_(kDomainCount),
      quarantine_ns_(quarantine_ns),
      next_registration_(
          std::max<std::uint64_t>(first_registration & layout::kRegistrationMask, 1)),
      directory_budget_(directory_budget),
      limits_(limits) {
  if (capacities.size() != kDomainCount) {
    throw std::invalid_argument("InstanceTable: one capacity per domain");
  }
  for (std::size_t i = 0; i < kDomainCount; ++i) {
    const std::uint32_t rows = i == 0 ? 0 : capacities[i];  // None has no instances
    Domain& d = domains_[i];
    d.rows.resize(rows);
    d.used.assign(rows, false);
    d.seen.assign(rows, false);
    for (std::uint32_t r = rows; r > 0; --r) d.never_used.push_back(r - 1);
  }
}

std::size_t InstanceTable::record_bytes(std::string_view name, std::span<const Label> labels) {
  // Table, vtable and fields of an Instance plus its offset in the vector; each string has a
  // length prefix, a NUL and up to 3 bytes of padding; each label is a small table of its own.
  std::size_t bytes = 96 + name.size() + 8;
  for (const Label& l : labels) bytes += 32 + l.key.size() + 8 + l.value.size() + 8;
  return bytes;
}

void InstanceTable::begin_refresh(InstanceDomain domain) {
  Domain& d = domains_[domain_index(domain)];
  std::fill(d.seen.begin(), d.seen.end(), false);
  d.refused = 0;
}

void InstanceTable::refuse(InstanceDomain domain, std::string_view name, const std::string& why) {
  ++domains_[domain_index(domain)].refused;
  if (first_refusal_.empty()) {
    first_refusal_ = std::string(domain_name(domain)) + " instance '" +
                     std::string(name.substr(0, 64)) + "' not published: " + why;
  }
}

// A row never used yet if there is one (a gone record stays visible as long as possible), else
// the oldest quarantined row whose quarantine has passed.
std::uint32_t InstanceTable::take_row(Domain& d, std::uint64_t now_ns) {
  if (!d.never_used.empty()) {
    const std::uint32_t row = d.never_used.back();
    d.never_used.pop_back();
    return row;
  }
  if (!d.quarantine.empty() && d.quarantine.front().second <= now_ns) {
    const std::uint32_t row = d.quarantine.front().first;
    d.quarantine.pop_front();
    directory_used_ -= record_bytes(d.rows[row].name, d.rows[row].labels);
    d.rows[row] = InstanceRecord{};
    d.used[row] = false;
    changed_ = true;  // the gone record leaves the directory
    return row;
  }
  return kNoRow;
}

std::uint32_t InstanceTable::present(InstanceDomain domain, std::string_view name,
                                     std::span<const LabelView> labels, std::uint64_t now_ns) {
  Domain& d = domains_[domain_index(domain)];
  if (const auto it = d.live.find(name); it != d.live.end()) {
    const std::uint32_t row = it->second;
    InstanceRecord& rec = d.rows[row];
    const bool same_labels = rec.labels.size() == labels.size() &&
                             std::equal(labels.begin(), labels.end(), rec.labels.begin(),
                                        [](const LabelView& a, const Label& b) {
                                          return a.key == b.key && a.value == b.value;
                                        });
    if (same_labels) {
      d.seen[row] = true;
      return row;
    }
    remove(domain, row, now_ns);  // new labels, new registration (same instance id)
  }

  if (name.empty() || name.size() > limits_.max_name_bytes) {
    refuse(domain, name, "name empty or longer than " + std::to_string(limits_.max_name_bytes));
    return kNoRow;
  }
  if (labels.size() > limits_.max_labels) {
    refuse(domain, name, "more than " + std::to_string(limits_.max_labels) + " labels");
    return kNoRow;
  }
  std::vector<Label> owned;
  owned.reserve(labels.size());
  for (const LabelView& l : labels) {
    if (l.key.empty() || l.key.size() > limits_.max_label_bytes ||
        l.value.size() > limits_.max_label_bytes) {
      refuse(domain, name,
             "label key empty or label longer than " + std::to_string(limits_.max_label_bytes) +
                 " bytes");
      return kNoRow;
    }
    owned.push_back({std::string(l.key), std::string(l.value)});
  }
  const std::size_t bytes = record_bytes(name, owned);
  const std::uint32_t row = take_row(d, now_ns);
  if (row == kNoRow) {
    refuse(domain, name,
           "all " + std::to_string(d.rows.size()) +
               " rows of the domain are taken (raise sysringd --instance-headroom)");
    return kNoRow;
  }
  if (directory_used_ + bytes > directory_budget_) {
    d.never_used.push_back(row);  // give it back unused
    refuse(domain, name, "the instance directory is full");
    return kNoRow;
  }

  auto [id_it, inserted] = d.ids.try_emplace(std::string(name), d.next_id);
  if (inserted) ++d.next_id;
  InstanceRecord& rec = d.rows[row];
  rec.name.assign(name);
  rec.labels = std::move(owned);
  rec.instance_id = id_it->second;
  rec.registration = next_registration_;
  next_registration_ = (next_registration_ + 1) & layout::kRegistrationMask;
  if (next_registration_ == 0) next_registration_ = 1;
  rec.live = true;
  rec.added_ns = now_ns;
  rec.removed_ns = 0;
  d.used[row] = true;
  d.seen[row] = true;
  d.live.emplace(rec.name, row);
  ++d.live_count;
  directory_used_ += bytes;
  changed_ = true;
  events_.push_back({InstanceEventKind::kAdded, domain, row, rec.instance_id, rec.registration,
                     rec.name, rec.labels, now_ns});
  return row;
}

void InstanceTable::remove(InstanceDomain domain, std::uint32_t row, std::uint64_t now_ns) {
  Domain& d = domains_[domain_index(domain)];
  InstanceRecord& rec = d.rows[row];
  d.live.erase(d.live.find(std::string_view(rec.name)));
  --d.live_count;
  rec.live = false;
  rec.removed_ns = now_ns;
  d.seen[row] = false;
  d.quarantine.emplace_back(row, now_ns + quarantine_ns_);
  changed_ = true;
  events_.push_back({InstanceEventKind::kRemoved,
                     domain,
                     row,
                     rec.instance_id,
                     rec.registration,
                     rec.name,
                     {},
                     now_ns});
}

void InstanceTable::end_refresh(InstanceDomain domain, std::uint64_t now_ns) {
  Domain& d = domains_[domain_index(domain)];
  for (std::uint32_t row = 0; row < d.rows.size(); ++row) {
    if (d.used[row] && d.rows[row].live && !d.seen[row]) remove(domain, row, now_ns);
  }
  d.refused_last = d.refused;
}

std::uint32_t InstanceTable::find(InstanceDomain domain, std::string_view name) const {
  const Domain& d = domains_[domain_index(domain)];
  const auto it = d.live.find(name);
  return it == d.live.end() ? kNoRow : it->second;
}

const InstanceRecord* InstanceTable::record(InstanceDomain domain, std::uint32_t row) const {
  const Domain& d = domains_[domain_index(domain)];
  return row < d.rows.size() && d.used[row] ? &d.rows[row] : nullptr;
}

std::uint32_t InstanceTable::capacity(InstanceDomain domain) const {
  return static_cast<std::uint32_t>(domains_[domain_index(domain)].rows.size());
}

std::uint32_t InstanceTable::live_count(InstanceDomain domain) const {
  return domains_[domain_index(domain)].live_count;
}

std::uint64_t InstanceTable::unpublished() const noexcept {
  std::uint64_t sum = 0;
  for (const Domain& d : domains_) sum += d.refused_last;
  return sum;
}

}  // namespace sysring::broker
