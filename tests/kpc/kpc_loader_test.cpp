// The loader against the KPC test double (not Apple's frameworks): every symbol resolved up
// front from the libraries opened by path, all or nothing, errors naming library and symbol.
#include <dlfcn.h>

#include <set>
#include <string>

#include "counters/kpc/kpc_loader.hpp"
#include "kpc_test_support.hpp"

namespace sysring::broker::counters::kpc {
namespace {

using testing::double_log;
using testing::double_options;
using ::testing::HasSubstr;
using testing::KpcTest;
using ::testing::StartsWith;

TEST(KpcSymbolTable, NamesEveryMemberOnceEachInItsFramework) {
  std::set<std::string> names;
  for (const KpcSymbolEntry& e : kpc_symbol_table()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    const std::string prefix = e.framework == KpcFramework::kKperf ? "kpc_" : "kpep_";
    EXPECT_THAT(e.name, StartsWith(prefix));
  }
  EXPECT_EQ(names.size() * sizeof(void (*)()), sizeof(KpcSymbols));
}

TEST_F(KpcTest, LoaderResolvesEverySymbolFromTheDoubleByPath) {
  const KpcLoadResult r = load_kpc(KPC_DOUBLE_PATH, KPC_DOUBLE_PATH);
  ASSERT_TRUE(r.library) << r.error;
  EXPECT_TRUE(r.error.empty());
  for (const KpcSymbolEntry& e : kpc_symbol_table()) {
    EXPECT_TRUE(e.is_set(r.library->symbols())) << e.name;
  }
  // The pointers are the double's own exports, not copies.
  void* self = dlopen(KPC_DOUBLE_PATH, RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(reinterpret_cast<void*>(r.library->symbols().kpc_set_config),
            dlsym(self, "kpc_set_config"));
  dlclose(self);
  EXPECT_TRUE(double_log().empty()) << "loading must not call into the frameworks";
}

TEST_F(KpcTest, AMissingKperfSymbolFailsTheWholeLoadNamingIt) {
  const KpcLoadResult r = load_kpc(KPC_DOUBLE_NO_SET_CONFIG_PATH, KPC_DOUBLE_PATH);
  EXPECT_FALSE(r.library);
  EXPECT_THAT(r.error, StartsWith("kperf.framework: missing symbol kpc_set_config ("));
  EXPECT_THAT(r.error, HasSubstr("kpc_set_config"));  // dlerror's text follows in parentheses
  EXPECT_GT(r.error.size(),
            std::string("kperf.framework: missing symbol kpc_set_config ()").size());
}

TEST_F(KpcTest, AMissingKperfdataSymbolNamesKperfdata) {
  const KpcLoadResult r = load_kpc(KPC_DOUBLE_PATH, KPC_DOUBLE_NO_KPC_MAP_PATH);
  EXPECT_FALSE(r.library);
  EXPECT_THAT(r.error, StartsWith("kperfdata.framework: missing symbol kpep_config_kpc_map ("));
}

TEST_F(KpcTest, AnUnopenableLibraryIsNamedWithItsPathAndDlerror) {
  const KpcLoadResult a = load_kpc("/nonexistent/kperf", KPC_DOUBLE_PATH);
  EXPECT_FALSE(a.library);
  EXPECT_THAT(a.error, StartsWith("kperf.framework: cannot open /nonexistent/kperf ("));
  EXPECT_THAT(a.error, HasSubstr("No such file"));

  const KpcLoadResult b = load_kpc(KPC_DOUBLE_PATH, "/nonexistent/kperfdata");
  EXPECT_FALSE(b.library);
  EXPECT_THAT(b.error, StartsWith("kperfdata.framework: cannot open /nonexistent/kperfdata ("));
}

TEST_F(KpcTest, SetUpWithAMissingSymbolCallsNothingAndReportsTheLoadError) {
  KpcOptions o = double_options();
  o.kperf_path = KPC_DOUBLE_NO_SET_CONFIG_PATH;
  const CounterSetup setup = make_kpc_counters(o);
  EXPECT_FALSE(setup.backend);
  EXPECT_THAT(setup.unavailable_reason,
              StartsWith("kperf.framework: missing symbol kpc_set_config"));
  EXPECT_TRUE(double_log().empty());
}

}  // namespace
}  // namespace sysring::broker::counters::kpc
