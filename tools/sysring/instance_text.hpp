// How instances are written for people and programs: labels in Prometheus' spelling
// (`{device="vda",fstype="ext4"}`), a value's name with them (`disk.read_bytes{device="vda"}`),
// labels as a JSON object, and the order instances are listed in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "json_writer.hpp"
#include "sysring/instances.hpp"

namespace sysring::cli {

// Appends `value` double-quoted, with \ " and newline escaped as a selector reads them back.
void append_quoted_label_value(std::string& out, std::string_view value);

// `{device="vda"}`; `{}` without labels. Not yet made printable: the text comes from the segment.
[[nodiscard]] std::string labels_text(const std::vector<InstanceLabel>& labels);

// The name of one instance's value: `disk.read_bytes{device="vda"}`, or the instance's name as
// the `instance` pseudo-label when it has no labels. Not yet made printable.
[[nodiscard]] std::string value_name(std::string_view family, std::string_view instance,
                                     const std::vector<InstanceLabel>& labels);

// "labels": {"device": "vda", ...}
void write_labels_json(JsonWriter& json, const std::vector<InstanceLabel>& labels);

// Names in the order people count: runs of digits compare as numbers ("cpu2" < "cpu10").
[[nodiscard]] bool natural_less(std::string_view a, std::string_view b);

}  // namespace sysring::cli
