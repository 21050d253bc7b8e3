// The sysring CLI on instances, against the real sysringd reading this machine: `instances`
// (text, --json, one domain, an unknown one), selectors in `get` (every instance, label
// matchers, the `instance` pseudo-label, JSON name/instance/labels), `cat` across instances,
// `list` and `list --all`, `watch` with instance events and compact rows, `pmc` with every CPU,
// and each error as one line with its exit code. Expectations come from the library's view of
// the same segment plus what every Linux machine has (lo, "/", one instance per online CPU).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

#ifdef SYSRING_CLI_PATH

// Runs a python3 snippet over `text` (its stdin); extra arguments become sys.argv[1:].
RunResult python_check(const std::string& text, const std::string& script,
                       const std::vector<std::string>& args = {}) {
  char path[] = "/tmp/sysring-cli-json-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  std::vector<std::string> argv{"/bin/sh", "-c",
                                std::string(PYTHON3_PATH) + " -c \"$0\" \"$@\" < " + path, script};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = written ? run(argv) : RunResult{};
  ::unlink(path);
  return r;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// One broker for the whole suite: every test only reads it.
class CliInstances : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = std::make_unique<Broker>(unique_segment());
    auto client = broker_->wait_ready();
    if (!client) return;
    client_ = std::make_unique<Client>(std::move(*client));
    // Values arrive with the first ticks; wait until the loopback interface has its counters.
    wait_until(
        [] {
          const FamilyValues v = client_->read_family(MetricId::netif_rx_bytes);
          return !v.values.empty() &&
                 std::all_of(v.values.begin(), v.values.end(),
                             [](const InstanceValue& x) { return x.status == ReadStatus::kOk; });
        },
        5s, 20ms);
  }
  static void TearDownTestSuite() {
    client_.reset();
    broker_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(client_) << broker_->last_error() << "; stderr: " << broker_->process().err();
  }

  static RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {SYSRING_CLI_PATH, "--segment", broker_->segment()});
    return run(args, 15s);
  }
  // The live instance names of a domain as the library sees them, sorted.
  static std::vector<std::string> live(InstanceDomain domain) {
    std::vector<std::string> names;
    for (const Instance* i : client_->instances()->live(domain)) names.push_back(i->name);
    std::sort(names.begin(), names.end());
    return names;
  }
  // Runs `attempt` again (at most three times) when its expectations failed while instances
  // came or went under it: other tests may add and remove network interfaces meanwhile.
  template <class Attempt>
  static void settled(const Attempt& attempt) {
    for (int tries = 1;; ++tries) {
      ::testing::TestPartResultArray failures;
      const std::uint64_t generation = client_->directory_generation();
      {
        const ::testing::ScopedFakeTestPartResultReporter intercept(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        attempt();
      }
      const bool moved = client_->directory_generation() != generation;
      if (failures.size() == 0 || !moved || tries == 3) {
        for (int i = 0; i < failures.size(); ++i) {
          const ::testing::TestPartResult& f = failures.GetTestPartResult(i);
          ADD_FAILURE_AT(f.file_name() != nullptr ? f.file_name() : "?", f.line_number())
              << f.message();
        }
        return;
      }
    }
  }
  static std::size_t family_count(const std::string& category) {
    return static_cast<std::size_t>(
        std::count_if(client_->descriptors().begin(), client_->descriptors().end(),
                      [&](const Descriptor& d) { return d.category == category; }));
  }

  static std::unique_ptr<Broker> broker_;
  static std::unique_ptr<Client> client_;
};

std::unique_ptr<Broker> CliInstances::broker_;
std::unique_ptr<Client> CliInstances::client_;

TEST_F(CliInstances, InstancesListsEveryDomainsInstancesWithLabels) {
  settled([&] {
    const std::vector<std::string> cpus = live(InstanceDomain::Cpu);
    EXPECT_EQ(cpus.size(), static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
    const RunResult r = cli({"instances"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.err, "");
    const auto lines = lines_of(r.out);
    ASSERT_FALSE(lines.empty());
    for (const char* column : {"DOMAIN", "NAME", "ID", "ROW", "STATE", "LABELS", "AGE"}) {
      EXPECT_NE(lines[0].find(column), std::string::npos) << lines[0];
    }
    std::size_t live_rows = 0;
    for (const std::string& line : lines) live_rows += line.find("  live  ") != std::string::npos;
    EXPECT_EQ(live_rows, live(InstanceDomain::None).size()) << r.out;
    for (const std::string& cpu : cpus) {
      EXPECT_NE(r.out.find("cpu         " + cpu + " "), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("{cpu=\"" + cpu.substr(3) + "\"}"), std::string::npos) << r.out;
    }
    // device first, then the other labels of the domain.
    EXPECT_NE(r.out.find("{device=\"lo\",address=\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mountpoint=\"/\""), std::string::npos) << r.out;
    for (const std::string& disk : live(InstanceDomain::Disk)) {
      EXPECT_NE(r.out.find("{device=\"" + disk + "\",major=\""), std::string::npos) << r.out;
    }
  });
}

TEST_F(CliInstances, InstancesJsonIsTheDirectory) {
  settled([&] {
    std::vector<std::string> expected;
    for (const Instance* i : client_->instances()->live(InstanceDomain::None)) {
      expected.push_back(std::string(domain_name(i->domain)) + "/" + i->name);
    }
    const RunResult r = cli({"--json", "instances"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    const std::string checker =
        "import json,sys\n"
        "d=json.load(sys.stdin)\n"
        "inst=d['instances']\n"
        "for i in inst:\n"
        "  assert set(['domain','name','state','labels','instance_id','row'])<=set(i), i\n"
        "  assert i['state'] in ('live','gone'), i\n"
        "  assert isinstance(i['labels'],dict), i\n"
        "live=sorted(i['domain']+'/'+i['name'] for i in inst if i['state']=='live')\n"
        "want=sorted(x for x in sys.argv[1].split(',') if x)\n"
        "assert live==want, (live,want)\n"
        "lo=[i for i in inst if i['domain']=='netif' and i['name']=='lo']\n"
        "assert lo and lo[0]['labels']['device']=='lo', lo\n"
        "assert set(lo[0]['labels'])=={'device','address','broadcast','ifalias'}, lo\n"
        "disk=[i for i in inst if i['domain']=='disk']\n"
        "want_disk={'device','major','minor','path','serial','model','revision','wwn'}\n"
        "assert all(set(i['labels'])==want_disk for i in disk), disk\n"
        "cpu=[i for i in inst if i['domain']=='cpu']\n"
        "assert cpu and all(i['labels']=={'cpu':i['name'][3:]} for i in cpu), cpu\n"
        "root=[i for i in inst if i['domain']=='filesystem' and i['name']=='/']\n"
        "assert root and root[0]['labels']['mountpoint']=='/' and root[0]['labels']['fstype'], "
        "root\n";
    const RunResult check = python_check(r.out, checker, {joined(expected)});
    EXPECT_TRUE(check.exited(0)) << check.describe() << "\nJSON: " << r.out;

    // One domain only.
    const RunResult netif = cli({"--json", "instances", "netif"});
    ASSERT_TRUE(netif.exited(0)) << netif.describe();
    const RunResult only = python_check(
        netif.out,
        "import json,sys\n"
        "d=json.load(sys.stdin)\n"
        "assert d['instances'] and all(i['domain']=='netif' for i in d['instances']), d\n");
    EXPECT_TRUE(only.exited(0)) << only.describe();
  });
}

TEST_F(CliInstances, AnUnknownDomainIsAUsageErrorListingTheDomains) {
  const RunResult r = cli({"instances", "nosuchdomain"});
  EXPECT_TRUE(r.exited(2)) << r.describe();
  EXPECT_TRUE(one_line(r.err));
  EXPECT_NE(r.err.find("'nosuchdomain'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cpu, disk, netif, filesystem, numa, cgroup"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  const RunResult two = cli({"instances", "cpu", "disk"});
  EXPECT_TRUE(two.exited(2)) << two.describe();
  EXPECT_TRUE(one_line(two.err));
}

TEST_F(CliInstances, GetAFamilyShowsEveryInstanceNamedByItsLabels) {
  settled([&] {
    const RunResult r = cli({"get", "netif.rx_bytes", "mem.total"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    const auto lines = lines_of(r.out);
    const std::vector<std::string> netifs = live(InstanceDomain::Netif);
    ASSERT_EQ(lines.size(), 1 + netifs.size() + 1) << r.out;
    for (const std::string& netif : netifs) {
      // Named by the labels that identify an interface, not by its address.
      EXPECT_NE(r.out.find("\nnetif.rx_bytes{device=\"" + netif + "\"} "), std::string::npos)
          << r.out;
    }
    EXPECT_NE(r.out.find("\nmem.total "), std::string::npos) << r.out;

    const std::vector<std::string> disks = live(InstanceDomain::Disk);
    if (disks.empty()) return;  // a machine without block devices: nothing more to see here
    const RunResult disk = cli({"get", "disk.read_bytes"});
    ASSERT_TRUE(disk.exited(0)) << disk.describe();
    EXPECT_EQ(lines_of(disk.out).size(), 1 + disks.size()) << disk.out;
    EXPECT_NE(disk.out.find("disk.read_bytes{device=\"" + disks.front() + "\"} "),
              std::string::npos)
        << disk.out;
    const RunResult one = cli({"get", "disk.read_bytes{device=\"" + disks.front() + "\"}"});
    ASSERT_TRUE(one.exited(0)) << one.describe();
    EXPECT_EQ(lines_of(one.out).size(), 2u) << one.out;
  });
}

TEST_F(CliInstances, JsonValuesCarryNameInstanceAndLabels) {
  const RunResult r = cli({"get", "netif.rx_bytes{device=\"lo\"}", "mem.total", "--json"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  const RunResult check = python_check(
      r.out,
      "import json,sys\n"
      "m=json.load(sys.stdin)['metrics']\n"
      "assert len(m)==2, m\n"
      "lo=m[0]\n"
      "assert lo['name']=='netif.rx_bytes' and lo['instance']=='lo', lo\n"
      "assert lo['labels']['device']=='lo' and 'address' in lo['labels'], lo\n"
      "assert lo['status']=='ok', lo\n"
      "assert isinstance(lo['value'],int) and lo['value']>=0, lo\n"
      "t=m[1]\n"
      "assert t['name']=='mem.total' and t['instance'] is None and t['labels']=={}, t\n");
  EXPECT_TRUE(check.exited(0)) << check.describe() << "\nJSON: " << r.out;
}

TEST_F(CliInstances, MatchersSelectByLabelAndInstanceName) {
  settled([&] {
    const std::vector<std::string> netifs = live(InstanceDomain::Netif);
    const auto rows = [&](const std::string& selector) {
      const RunResult r = cli({"get", selector});
      EXPECT_TRUE(r.exited(0)) << selector << ": " << r.describe();
      return lines_of(r.out).size() - 1;  // less the header
    };
    EXPECT_EQ(rows("netif.rx_bytes{device!=\"lo\"}"), netifs.size() - 1);
    EXPECT_EQ(rows("netif.rx_bytes{device=~\"l.\"}"), 1u);
    EXPECT_EQ(rows("netif.rx_bytes{device!~\"lo|xyz\"}"), netifs.size() - 1);
    EXPECT_EQ(rows("netif.rx_bytes{instance=\"lo\",device=\"lo\",}"), 1u);
    EXPECT_EQ(rows("fs.size_bytes{mountpoint=\"/\"}"), 1u);
    EXPECT_EQ(rows("mem.total{device!=\"lo\"}"), 1u) << "a scalar's absent label reads as \"\"";
  });
}

TEST_F(CliInstances, NoMatchingInstanceIsOneLineExitOne) {
  const RunResult r = cli({"get", "disk.read_bytes{device=\"sdz\"}"});
  EXPECT_TRUE(r.exited(1)) << r.describe();
  EXPECT_EQ(r.err, "sysring: error: no instance of disk.read_bytes matches {device=\"sdz\"}\n");
  EXPECT_EQ(r.out, "");
  const RunResult anchored = cli({"get", "netif.rx_bytes{device=~\"l\"}"});
  EXPECT_TRUE(anchored.exited(1)) << anchored.describe();
  EXPECT_TRUE(one_line(anchored.err));
}

TEST_F(CliInstances, SelectorErrorsAreOneLineWithTheirExitCodes) {
  struct Case {
    const char* selector;
    int exit_code;
    const char* says;
  };
  const Case cases[] = {
      {"disk.read_bytes{device=vda}", 2, "bad selector"},
      {"disk.read_bytes{device=\"vda\"", 2, "bad selector"},
      {"disk.read_bytes{device=~\"[\"}", 2, "bad regex"},
      {"disk.read_bytes{device=\"a\\q\"}", 2, "unknown escape"},
      {"no.such.family{device=\"vda\"}", 1, "unknown metric 'no.such.family'"},
      {"mem.total{device=\"vda\"}", 1, "mem.total is a scalar"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.selector);
    const RunResult r = cli({"get", "mem.free", c.selector});
    EXPECT_TRUE(r.exited(c.exit_code)) << r.describe();
    EXPECT_TRUE(one_line(r.err));
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "nothing printed before the error";
  }
  // A malformed selector is a usage error even with no broker to ask.
  const RunResult offline =
      run({SYSRING_CLI_PATH, "--segment", unique_segment(), "get", "disk.read_bytes{device=vda}"});
  EXPECT_TRUE(offline.exited(2)) << offline.describe();
  EXPECT_TRUE(one_line(offline.err));
}

TEST_F(CliInstances, CatShowsEveryFamilyOfTheCategoryAcrossInstances) {
  settled([&] {
    const std::vector<std::string> disks = live(InstanceDomain::Disk);
    const std::string category = disks.empty() ? "netif" : "disk";
    const std::size_t instances = disks.empty() ? live(InstanceDomain::Netif).size() : disks.size();
    const RunResult r = cli({"cat", category});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(lines_of(r.out).size(), 1 + family_count(category) * instances) << r.out;
    EXPECT_NE(r.out.find(category + ".read_bytes{device=\""), std::string::npos) << r.out;

    const RunResult json = cli({"--json", "cat", category});
    ASSERT_TRUE(json.exited(0)) << json.describe();
    const RunResult check =
        python_check(json.out,
                     "import json,sys\n"
                     "m=json.load(sys.stdin)['metrics']\n"
                     "assert len(m)==int(sys.argv[1]), len(m)\n"
                     "assert all(x['instance'] and x['labels'].get('device')==x['instance'] for x "
                     "in m), m[:3]\n",
                     {std::to_string(family_count(category) * instances)});
    EXPECT_TRUE(check.exited(0)) << check.describe();
  });
}

TEST_F(CliInstances, ListHidesUnavailableRowsUnlessAllAndShowsDomainAndInstances) {
  settled([&] {
    std::size_t available = 0;
    for (const Descriptor& d : client_->descriptors()) available += d.available;
    const RunResult list = cli({"list"});
    ASSERT_TRUE(list.exited(0)) << list.describe();
    const auto rows = lines_of(list.out);
    ASSERT_EQ(rows.size(), 1 + available) << "available rows only";
    EXPECT_NE(rows[0].find("DOMAIN"), std::string::npos) << rows[0];
    EXPECT_NE(rows[0].find("INSTANCES"), std::string::npos) << rows[0];
    for (std::size_t i = 1; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].substr(rows[i].size() - 3), "yes") << rows[i];
    }
    const std::string netifs = std::to_string(live(InstanceDomain::Netif).size());
    bool family_row = false;
    for (const std::string& row : rows) {
      if (row.find(" netif.rx_bytes ") == std::string::npos) continue;
      family_row = true;
      EXPECT_NE(row.find(" netif "), std::string::npos) << row;
      EXPECT_NE(row.find(" " + netifs + "  "), std::string::npos) << row;
    }
    EXPECT_TRUE(family_row) << list.out;

    const RunResult all = cli({"list", "--all"});
    ASSERT_TRUE(all.exited(0)) << all.describe();
    EXPECT_EQ(lines_of(all.out).size(), 1 + client_->descriptors().size());
    if (available < client_->descriptors().size()) {
      EXPECT_NE(all.out.find("  no"), std::string::npos) << "an unavailable row says why";
    }

    const RunResult json = cli({"--json", "list", "--all"});
    ASSERT_TRUE(json.exited(0)) << json.describe();
    const RunResult check = python_check(
        json.out,
        "import json,sys\n"
        "m={x['name']:x for x in json.load(sys.stdin)['metrics']}\n"
        "assert m['mem.total']['domain'] is None and m['mem.total']['instances'] is None\n"
        "r=m['netif.rx_bytes']\n"
        "assert r['domain']=='netif' and r['instances']==int(sys.argv[1]), r\n"
        "assert len(m)==int(sys.argv[2]), len(m)\n",
        {netifs, std::to_string(client_->descriptors().size())});
    EXPECT_TRUE(check.exited(0)) << check.describe();

    const RunResult misplaced = cli({"get", "mem.total", "--all"});
    EXPECT_TRUE(misplaced.exited(2)) << misplaced.describe();
    EXPECT_TRUE(one_line(misplaced.err));
  });
}

TEST_F(CliInstances, WatchJsonSnapshotCarriesInstanceEventsAndNamedValues) {
  settled([&] {
    const RunResult r = cli({"--json", "watch", "--count", "2"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    std::vector<std::string> expected;
    for (const Instance* i : client_->instances()->live(InstanceDomain::None)) {
      expected.push_back(std::string(domain_name(i->domain)) + "/" + i->name);
    }
    const RunResult check = python_check(
        r.out,
        "import json,sys\n"
        "lines=[json.loads(l) for l in sys.stdin.read().splitlines()]\n"
        "assert len(lines)==2, len(lines)\n"
        "s=lines[0]\n"
        "assert s['type']=='batch' and s['full_snapshot'], s['type']\n"
        "ev=s['events']\n"
        "assert all(e['kind']=='added' and isinstance(e['labels'],dict) for e in ev), ev\n"
        "got=sorted(e['domain']+'/'+e['name'] for e in ev)\n"
        "want=sorted(x for x in sys.argv[1].split(',') if x)\n"
        "assert got==want, (got,want)\n"
        "v=s['values']\n"
        "lo=[x for x in v if x['name']=='netif.rx_bytes' and x['instance']=='lo']\n"
        "assert len(lo)==1 and lo[0]['labels']['device']=='lo', lo\n"
        "t=[x for x in v if x['name']=='mem.total']\n"
        "assert len(t)==1 and t[0]['instance'] is None and t[0]['labels']=={}, t\n"
        "assert all('instance' in x and 'labels' in x for x in v+s['unavailable'])\n"
        "assert 'events' in lines[1] and not lines[1]['full_snapshot'], lines[1]\n",
        {joined(expected)});
    EXPECT_TRUE(check.exited(0)) << check.describe() << "\noutput: " << r.out.substr(0, 3000);
  });
}

TEST_F(CliInstances, WatchTextShowsInstancesAndKeepsRowsCompact) {
  const RunResult r = cli({"watch", "--count", "1"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].rfind("snapshot: ", 0), 0u) << lines[0];
  EXPECT_NE(r.out.find("\n  + netif lo {device=\"lo\",address=\""), std::string::npos) << r.out;
  for (const std::string& cpu : live(InstanceDomain::Cpu)) {
    EXPECT_NE(r.out.find("\n  + cpu " + cpu + " {cpu=\""), std::string::npos) << r.out;
  }
  bool total_seen = false, instance_seen = false;
  for (const std::string& line : lines) {
    if (line.rfind("  mem.total ", 0) == 0) {
      total_seen = true;
      // NAME and VALUE each padded to at most 40 columns: a long string value elsewhere in the
      // snapshot (kern.version, a boot id) must not pad this row to its width.
      EXPECT_LE(line.size(), 2 + 40 + 2 + 40 + 2 + 8) << line;
    }
    // Values are named by the labels that identify the instance (not its address).
    instance_seen |= line.rfind("  netif.rx_bytes{device=\"lo\"} ", 0) == 0;
  }
  EXPECT_TRUE(total_seen) << r.out;
  EXPECT_TRUE(instance_seen) << r.out;
}

TEST_F(CliInstances, PmcShowsEveryCpu) {
  if (::geteuid() != 0) GTEST_SKIP() << "the broker needs root to count system-wide";
  const RunResult r = cli({"pmc", "--count", "1", "--interval-ms", "1100"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("\nall "), std::string::npos) << r.out;
  for (const std::string& cpu : live(InstanceDomain::Cpu)) {
    EXPECT_NE(r.out.find("\n" + cpu + " "), std::string::npos) << r.out;
  }
}

TEST_F(CliInstances, RingStillShowsTheInstancesLine) {
  const RunResult r = cli({"ring", "--sample-ms", "0"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  const std::string cpus = std::to_string(live(InstanceDomain::Cpu).size()) + " cpu";
  EXPECT_NE(r.out.find("instances:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(cpus), std::string::npos) << r.out;
}

#endif

}  // namespace
}  // namespace sysring
