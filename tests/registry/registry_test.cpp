// The registry's promises: ids are stable (released ones never change), unique, and the generated
// enum, the compiled-in table and the released list agree one to one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "metric_id_generated.h"
#include "sysring/registry_data.hpp"

namespace {

using sysring::registry::kEntries;

std::string type_name(sysring::schema::ValueType t) {
  switch (t) {
    case sysring::schema::ValueType::U64:
      return "u64";
    case sysring::schema::ValueType::I64:
      return "i64";
    case sysring::schema::ValueType::F64:
      return "f64";
    case sysring::schema::ValueType::String:
      return "string";
    case sysring::schema::ValueType::Counter:
      return "counter";
    default:
      return "?";
  }
}

struct Released {
  std::string name;
  std::string type;
};

std::map<int, Released> read_id_list(const char* path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::map<int, Released> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    int id = 0;
    Released r;
    fields >> id >> r.name >> r.type;
    out[id] = r;
  }
  return out;
}

std::map<int, Released> read_released() {
  return read_id_list(SYSRING_RELEASED_IDS);
}

TEST(Registry, EveryReleasedIdKeepsItsNameAndType) {
  const auto released = read_released();
  const auto retired = read_id_list(SYSRING_RETIRED_IDS);
  ASSERT_GE(released.size(), 60u);
  std::map<int, const sysring::registry::RegistryEntry*> by_id;
  for (const auto& e : kEntries) by_id[e.id] = &e;
  for (const auto& [id, r] : released) {
    if (retired.count(id) != 0) {
      EXPECT_EQ(by_id.count(id), 0u) << "retired id " << id << " is back as " << by_id[id]->name;
      EXPECT_EQ(retired.at(id).name, r.name) << "retired id " << id << " under another name";
      continue;
    }
    ASSERT_TRUE(by_id.count(id)) << "released id " << id << " (" << r.name << ") was removed";
    EXPECT_EQ(by_id[id]->name, r.name) << "released id " << id << " was renamed";
    EXPECT_EQ(type_name(by_id[id]->type), r.type) << "released id " << id << " changed type";
  }
}

TEST(Registry, IdsAndNamesAreUniqueAndEnumMatches) {
  std::set<int> ids;
  std::set<std::string_view> names;
  for (const auto& e : kEntries) {
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate name " << e.name;
    EXPECT_GT(e.id, 0);
    EXPECT_LE(e.id, sysring::registry::kMaxMetricId);
    // The generated enum names each id by its metric name ('.' -> '_').
    std::string ident(e.name);
    for (char& c : ident) c = c == '.' ? '_' : c;
    EXPECT_STREQ(sysring::schema::EnumNameMetricId(static_cast<sysring::schema::MetricId>(e.id)),
                 ident.c_str());
  }
  // A few pinned by hand: these are released and must never move.
  EXPECT_EQ(static_cast<int>(sysring::schema::MetricId::mem_total), 1);
  EXPECT_EQ(static_cast<int>(sysring::schema::MetricId::kern_hostname), 79);
  EXPECT_EQ(static_cast<int>(sysring::schema::MetricId::disk_read_bytes), 532);
  EXPECT_EQ(static_cast<int>(sysring::schema::MetricId::pmc_cycles), 2110);
}

// The per-CPU rows of layout 1.x (cpu.cpuN.*, pmc.cpuN.*, ...) are retired: never reused, and
// what they held is now a family of the cpu domain.
TEST(Registry, RetiredPerCpuRowsAreGoneForGood) {
  const auto retired = read_id_list(SYSRING_RETIRED_IDS);
  EXPECT_GE(retired.size(), 1100u);
  std::set<std::string> names;
  for (const auto& e : kEntries) names.insert(std::string(e.name));
  for (const auto& [id, r] : retired) {
    EXPECT_EQ(names.count(r.name), 0u) << r.name << " is retired but still named";
  }
  for (const auto& e : kEntries) {
    const std::string name(e.name);
    EXPECT_EQ(name.find(".cpu0."), std::string::npos) << name << ": per-CPU rows are families now";
  }
}

// Families of an instance domain hold numbers (one cell per instance) and say where they come
// from in a syntax of their domain's source.
TEST(Registry, InstanceFamiliesAreNumericWithTheirDomainsSources) {
  std::map<sysring::schema::InstanceDomain, std::size_t> per_domain;
  for (const auto& e : kEntries) {
    if (e.domain == sysring::schema::InstanceDomain::None) continue;
    ++per_domain[e.domain];
    EXPECT_NE(e.type, sysring::schema::ValueType::String) << e.name;
    EXPECT_FALSE(e.unit.empty()) << e.name;
  }
  using D = sysring::schema::InstanceDomain;
  for (const D d : {D::Cpu, D::Disk, D::Netif, D::Filesystem, D::Numa, D::Cgroup}) {
    EXPECT_GE(per_domain[d], 5u) << "domain " << static_cast<int>(d);
  }
}

TEST(Registry, EveryLinuxMetricHasCategoryUnitPatternAndDescription) {
  std::size_t linux_rows = 0;
  for (const auto& e : kEntries) {
    if (e.platform != "linux") continue;
    ++linux_rows;
    EXPECT_FALSE(e.category.empty()) << e.name;
    EXPECT_FALSE(e.description.empty()) << e.name;
    EXPECT_FALSE(e.source.empty()) << e.name;
    if (e.type != sysring::schema::ValueType::String) {
      EXPECT_FALSE(e.unit.empty()) << e.name;
    }
    const bool is_static = e.recommended_pattern == sysring::schema::AccessPattern::Static;
    EXPECT_EQ(is_static, e.ttl_ms == 0) << e.name << ": STATIC has TTL 0, others a period";
  }
  EXPECT_GE(linux_rows, 60u);
}

TEST(Registry, EveryDarwinMetricHasUnitPatternSourceAndIdFrom2200) {
  std::size_t darwin_rows = 0;
  for (const auto& e : kEntries) {
    if (e.platform != "darwin") continue;
    ++darwin_rows;
    EXPECT_GE(e.id, 2200) << e.name << ": darwin ids start at 2200";
    EXPECT_TRUE(e.name.starts_with("darwin.")) << e.name;
    EXPECT_FALSE(e.category.empty()) << e.name;
    EXPECT_FALSE(e.description.empty()) << e.name;
    if (e.domain == sysring::schema::InstanceDomain::None) {
      EXPECT_TRUE(e.source.starts_with("sysctl:") || e.source.starts_with("computed:")) << e.name;
    } else {
      EXPECT_TRUE(e.source.starts_with("host_processor_info:") ||
                  e.source.starts_with("iflist2:") || e.source.starts_with("getfsstat:"))
          << e.name;
    }
    if (e.type != sysring::schema::ValueType::String) {
      EXPECT_FALSE(e.unit.empty()) << e.name;
    }
    const bool is_static = e.recommended_pattern == sysring::schema::AccessPattern::Static;
    EXPECT_EQ(is_static, e.ttl_ms == 0) << e.name << ": STATIC has TTL 0, others a period";
  }
  // 243 sysctls of the reference set, 8 of them structs or arrays split into 26 scalars, + 7
  // computed; and 26 instance families (4 cpu, 16 netif, 6 filesystem).
  EXPECT_EQ(darwin_rows, 269u + 26u);
}

// The generator itself refuses to renumber a released metric: run it on a tampered copy.
TEST(Registry, GeneratorRejectsAChangedReleasedId) {
  const std::string dir = ::testing::TempDir() + "/registry_tamper";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  const std::string tampered = dir + "/linux.csv";
  // Swap the names of ids 1 and 2.
  const std::string sed =
      "sed -e 's/^1,mem.total,/1,mem.TMP,/' -e 's/^2,mem.free,/2,mem.total,/' "
      "-e 's/^1,mem.TMP,/1,mem.free,/' " SYSRING_REGISTRY_CSV " > " +
      tampered;
  ASSERT_EQ(std::system(sed.c_str()), 0);
  // The other registry files, untouched: released ids of every file must still be found.
  std::string others;
  const auto registry_dir = std::filesystem::path(SYSRING_REGISTRY_CSV).parent_path();
  for (const auto& f : std::filesystem::directory_iterator(registry_dir)) {
    if (f.path().extension() == ".csv" && f.path().filename() != "linux.csv") {
      others += " " + f.path().string();
    }
  }
  const std::string gen =
      std::string("python3 ") + SYSRING_GEN_REGISTRY + " --registry " + tampered + others +
      " --released " SYSRING_RELEASED_IDS " --retired " SYSRING_RETIRED_IDS " --fbs-out " + dir +
      "/m.fbs --cpp-out " + dir + "/r.hpp 2>" + dir + "/err.txt";
  EXPECT_NE(std::system(gen.c_str()), 0) << "the generator accepted a renumbered release";
  std::ifstream err(dir + "/err.txt");
  std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(message.find("released id 1 changed"), std::string::npos) << message;

  // And the untampered registry (every platform's rows: the released list covers them all)
  // passes the same check.
  const std::string ok =
      std::string("python3 ") + SYSRING_GEN_REGISTRY + " --registry " SYSRING_REGISTRY_CSV +
      others + " --released " SYSRING_RELEASED_IDS " --retired " SYSRING_RETIRED_IDS " --fbs-out " +
      dir + "/m.fbs --cpp-out " + dir + "/r.hpp";
  EXPECT_EQ(std::system(ok.c_str()), 0);
}

}  // namespace
