// How instances are spelled: labels as Prometheus writes them (quotes and backslashes escaped,
// so a selector reads them back), value names, labels in JSON, and the natural name order.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "instance_text.hpp"
#include "json_writer.hpp"
#include "selector.hpp"

namespace sysring::cli {
namespace {

TEST(InstanceText, LabelsInPrometheusSpelling) {
  EXPECT_EQ(labels_text({}), "{}");
  EXPECT_EQ(labels_text({{"device", "vda"}}), R"({device="vda"})");
  EXPECT_EQ(labels_text({{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mountpoint", "/"}}),
            R"({device="/dev/vda",fstype="ext4",mountpoint="/"})");
  EXPECT_EQ(labels_text({{"cgroup", "/a\"b\\c\nd"}}), R"({cgroup="/a\"b\\c\nd"})");
}

TEST(InstanceText, ALabelValueWrittenOutSelectsTheSameInstance) {
  Instance i;
  i.name = "odd\"name\\x";
  i.labels = {{"cgroup", "/odd\"name\\x"}};
  const std::string selector = value_name("cgroup.memory_current", i.name, i.labels);
  EXPECT_EQ(selector, R"(cgroup.memory_current{cgroup="/odd\"name\\x"})");
  EXPECT_TRUE(parse_selector(selector).matches(i));
}

TEST(InstanceText, ValueNames) {
  EXPECT_EQ(value_name("disk.read_bytes", "vda", {{"device", "vda"}}),
            R"(disk.read_bytes{device="vda"})");
  EXPECT_EQ(value_name("x.y", "thing", {}), R"(x.y{instance="thing"})");
}

TEST(InstanceText, LabelsAsAJsonObject) {
  JsonWriter json;
  json.begin_object();
  write_labels_json(json, {{"device", "vda"}, {"q", "\"\x01"}});
  json.end_object();
  EXPECT_EQ(json.str(), R"({"labels":{"device":"vda","q":"\"\u0001"}})");
  JsonWriter empty;
  empty.begin_object();
  write_labels_json(empty, {});
  empty.end_object();
  EXPECT_EQ(empty.str(), R"({"labels":{}})");
}

TEST(InstanceText, NaturalOrderCountsDigitRunsAsNumbers) {
  std::vector<std::string> names = {"cpu10",  "cpu2",       "vda",       "cpu1", "sda", "cpu0",
                                    "cpu02x", "nvme0n1p10", "nvme0n1p2", "cpu",  "/"};
  std::sort(names.begin(), names.end(), natural_less);
  const std::vector<std::string> expected = {"/",          "cpu",    "cpu0",  "cpu1",
                                             "cpu2",       "cpu02x", "cpu10", "nvme0n1p2",
                                             "nvme0n1p10", "sda",    "vda"};
  EXPECT_EQ(names, expected);
  EXPECT_FALSE(natural_less("cpu1", "cpu1"));
  EXPECT_TRUE(natural_less("cpu9", "cpu10"));
  EXPECT_FALSE(natural_less("cpu10", "cpu9"));
}

}  // namespace
}  // namespace sysring::cli
